"""Web server logs: nginx and Apache access (combined/common) and error logs.

Datasets ``nginx.access``, ``nginx.error``, ``apache.access``, ``apache.error``.
Access logs fill source.ip (or source.domain), user.name, http.request.method,
http.version, url.original, url.path, url.query, http.response.status_code,
http.response.body.bytes, http.request.referrer, user_agent.original,
destination.domain (virtual host prefix), event.category ["web"], event.type
["access"], event.outcome (failure from status 400 on). Error logs fill
log.level, process.pid, process.thread.id, source.ip (client), url.original,
http.request.method, message, event.type ["error"].

The access formats of nginx and Apache are the same; the flavour comes from the
format hint, the syslog program or the file name (``apache``/``httpd`` in it).
"""

from __future__ import annotations

import re

from secops.normalize.base import (
    Event,
    classify,
    set_source_addr,
    set_timestamp,
    set_user,
    sub,
    to_int,
)
from secops.normalize.timefmt import MONTHS, epoch_from_parts, iso_from_clf
from secops.records import RawRecord
from secops.times import iso_millis

ACCESS = re.compile(
    r'^(?:(\S+) )?(\S+) (\S+) (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-)'
    r'(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?(.*)$'
)
_REQUEST = re.compile(r"^([A-Za-z]+) (\S+)(?: HTTP/([\d.]+))?$")
_NGINX_ERROR = re.compile(
    r"^(\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d) \[(\w+)\] (\d+)#(\d+): (?:\*(\d+) )?(.*)$",
    re.DOTALL,
)
_NGINX_CTX = re.compile(r', (client|server|request|host|upstream|referrer): "?([^",]*)"?')
_APACHE_ERROR = re.compile(
    r"^\[\w{3} (\w{3}) +(\d+) (\d\d):(\d\d):(\d\d)(\.\d+)? (\d{4})\] \[(?:([\w_]+):)?(\w+)\]"
    r"(?: \[pid (\d+)(?::tid (\d+))?\])?(?: \[client ([^\]]+?)\])? (.*)$",
    re.DOTALL,
)


def _iso_from_parts(
    y: str, mo: str, d: str, hh: str, mi: str, ss: str, frac: str | None = None
) -> str:
    month = MONTHS[mo] if mo in MONTHS else int(mo)
    t = epoch_from_parts(int(y), month, int(d), int(hh), int(mi), int(ss))
    return iso_millis(t + (float(frac) if frac else 0.0))


def fill_request(event: Event, request: str) -> None:
    """http.request.method, http.version, url.original/path/query of a request line."""
    url = sub(event, "url")
    m = _REQUEST.match(request)
    if m is None:
        url["original"] = request
        return
    method, target, version = m.groups()
    http = sub(event, "http")
    sub(http, "request")["method"] = method.upper()
    if version:
        http["version"] = version
    url["original"] = target
    path, q, query = target.partition("?")
    url["path"] = path
    if q:
        url["query"] = query


def fill_access(m: re.Match[str], event: Event) -> None:
    """Fill the fields of a matched combined/common line (shared with the portal format)."""
    vhost, client, _ident, user, ts, request, status, size, referrer, agent, _ = m.groups()
    set_timestamp(event, iso_from_clf, ts)
    set_source_addr(event, client)
    if vhost:
        sub(event, "destination")["domain"] = vhost
    if user != "-":
        set_user(event, user)
    fill_request(event, request)
    http = sub(event, "http")
    code = int(status)
    response = sub(http, "response")
    response["status_code"] = code
    if size != "-":
        response["body"] = {"bytes": to_int(size)}
    if referrer and referrer != "-":
        sub(http, "request")["referrer"] = referrer
    if agent and agent != "-":
        event["user_agent"] = {"original": agent}
    classify(event, ["web"], ["access"], None, "failure" if code >= 400 else "success")


def _flavour(record: RawRecord, event: Event) -> str:
    hint = (record.format_hint or "").lower()
    app = (record.source.application or "").lower()
    proc = event.get("process", {}).get("name", "")
    if "apache" in hint or "httpd" in app or "apache" in app or proc in ("httpd", "apache2"):
        return "apache"
    return "nginx"


def parse_access(text: str, event: Event, record: RawRecord) -> bool:
    """A combined or common log format line."""
    m = ACCESS.match(text)
    if m is None:
        return False
    fill_access(m, event)
    event["event"]["dataset"] = _flavour(record, event) + ".access"
    event["message"] = text
    return True


def parse_nginx_error(text: str, event: Event, record: RawRecord) -> bool:
    """An nginx error log line ``yyyy/mm/dd hh:mm:ss [level] pid#tid: *cid message``."""
    m = _NGINX_ERROR.match(text)
    if m is None:
        return False
    y, mo, d, hh, mi, ss, level, pid, tid, _cid, msg = m.groups()
    set_timestamp(event, _iso_from_parts, y, mo, d, hh, mi, ss)
    sub(event, "log")["level"] = level
    event["process"] = {"pid": to_int(pid), "thread": {"id": to_int(tid)}}
    ctx_start = msg.find(", client: ")
    if ctx_start >= 0:
        for key, value in _NGINX_CTX.findall(msg[ctx_start:]):
            if key == "client":
                set_source_addr(event, value)
            elif key == "request":
                fill_request(event, value)
            elif key == "host":
                sub(event, "destination")["domain"] = value
            elif key == "referrer":
                sub(sub(event, "http"), "request")["referrer"] = value
        msg = msg[:ctx_start]
    event["message"] = msg
    classify(event, ["web"], ["error"])
    event["event"]["dataset"] = "nginx.error"
    return True


def parse_apache_error(text: str, event: Event, record: RawRecord) -> bool:
    """An Apache error log line (2.2 and 2.4 layouts)."""
    m = _APACHE_ERROR.match(text)
    if m is None:
        return False
    mon, day, hh, mi, ss, frac, year, module, level, pid, tid, client, msg = m.groups()
    set_timestamp(event, _iso_from_parts, year, mon, day, hh, mi, ss, frac)
    sub(event, "log")["level"] = level
    if module:
        event["apache"] = {"error": {"module": module}}
    if pid:
        proc = sub(event, "process")
        proc["pid"] = to_int(pid)
        if tid and to_int(tid) is not None:
            proc["thread"] = {"id": to_int(tid)}
    if client:
        addr, _, port = client.rpartition(":") if client.count(":") == 1 else (client, "", "")
        set_source_addr(event, addr, port or None)
    event["message"] = msg
    classify(event, ["web"], ["error"])
    event["event"]["dataset"] = "apache.error"
    return True


def parse_error(text: str, event: Event, record: RawRecord) -> bool:
    """Either error log layout."""
    return parse_nginx_error(text, event, record) or parse_apache_error(text, event, record)


def parse_any(text: str, event: Event, record: RawRecord) -> bool:
    """Access or error line (for web server programs logging through syslog)."""
    return parse_access(text, event, record) or parse_error(text, event, record)
