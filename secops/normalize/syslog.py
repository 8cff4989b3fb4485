"""Syslog framing: RFC 5424 and RFC 3164 headers (with or without PRI), then routing.

After the header, the program name (APP-NAME / TAG) selects a program parser from
``registry.PROGRAMS``; a body that is itself a known format (CEF, auditd, JSON,
access log) is handed to that parser. A program without parser gives the dataset
``syslog`` with the header fields and the free text in ``message``.
"""

from __future__ import annotations

import re
from typing import Any

from secops.normalize.base import (
    FIELDS_TRUNCATED,
    MAX_FIELDS,
    Event,
    degrade,
    set_timestamp,
    sub,
    to_int,
)
from secops.normalize.parsers import program_parser
from secops.normalize.timefmt import iso_from_bsd, iso_from_iso
from secops.records import RawRecord

FACILITIES = (
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
    "authpriv", "ftp", "ntp", "security", "console", "solaris-cron", "local0", "local1",
    "local2", "local3", "local4", "local5", "local6", "local7",
)  # fmt: skip
SEVERITIES = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")

_RFC5424 = re.compile(
    r"^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]\\]|\\.)*\])+)(?: (.*))?$",
    re.DOTALL,
)
_RFC3164 = re.compile(
    r"^(?:<(\d{1,3})>)?"
    r"(?:([A-Z][a-z]{2}) ([ \d]\d) (\d\d:\d\d:\d\d)(?:\.(\d+))?(?: \d{4})?"
    r"|(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?))"
    r" (\S+) (.*)$",
    re.DOTALL,
)
# TAG[pid]: ; the tag may carry "(pam_unix)" as old PAM wrote it
_TAG = re.compile(r"^([^\s\[:]{1,64})(?:\[(\d+)\])?: *(.*)$", re.DOTALL)
# STRUCTURED-DATA is read by anchored steps (element, id, param, param, ...), each
# matched once at a known position: no pattern is retried from every character.
_SD_ELEMENT = re.compile(r"\[((?:[^\]\\]|\\.)*)\]", re.DOTALL)
_SD_ID = re.compile(r"[^\s\]]+")
_SD_PARAM = re.compile(r"\s+([^\s=\]]+)=\"((?:[^\"\\]|\\.)*)\"")
_SD_UNESCAPE = re.compile(r"\\([\"\\\]])")
_REPEATED = re.compile(r"^message repeated (\d+) times: \[ ?(.*?) ?\]$", re.DOTALL)


def _pri(event: Event, pri: str | None) -> dict[str, Any]:
    log_syslog = sub(sub(event, "log"), "syslog")
    if pri is not None:
        value = int(pri)
        fac, sev = value >> 3, value & 7
        log_syslog["priority"] = value
        log_syslog["facility"] = {
            "code": fac,
            "name": FACILITIES[fac] if fac < len(FACILITIES) else str(fac),
        }
        log_syslog["severity"] = {"code": sev, "name": SEVERITIES[sev]}
        event["log"]["level"] = SEVERITIES[sev]
    return log_syslog


def parse_structured_data(sd: str, event: Event | None = None) -> dict[str, dict[str, str]]:
    """RFC 5424 STRUCTURED-DATA ``[id k="v"][id2 ...]`` as ``{id: {k: v}}``.

    A malformed element is skipped; past ``MAX_FIELDS`` params the rest is left
    unread and ``event`` (when given) is tagged.
    """
    out: dict[str, dict[str, str]] = {}
    if sd == "-":
        return out
    budget = MAX_FIELDS
    pos = 0
    while (element := _SD_ELEMENT.match(sd, pos)) is not None:
        pos = element.end()
        body = element.group(1)
        sd_id = _SD_ID.match(body)
        if sd_id is None:
            continue
        params: dict[str, str] = {}
        at = sd_id.end()
        while (param := _SD_PARAM.match(body, at)) is not None:
            if budget == 0:
                if event is not None:
                    degrade(event, FIELDS_TRUNCATED, f"more than {MAX_FIELDS} SD-PARAMs")
                out[sd_id.group()] = params
                return out
            budget -= 1
            params[param.group(1)] = _SD_UNESCAPE.sub(r"\1", param.group(2))
            at = param.end()
        if not body[at:].strip():  # else the element is malformed: skipped
            out[sd_id.group()] = params
    return out


def parse(text: str, event: Event, record: RawRecord) -> bool:
    """Parse a syslog header and route the body; False when ``text`` has none."""
    m5 = _RFC5424.match(text) if text[:1] == "<" else None
    if m5 is not None:
        pri, ts, host, app, procid, msgid, sd, body = m5.groups()
        log_syslog = _pri(event, pri)
        log_syslog["version"] = "1"
        if ts != "-":
            set_timestamp(event, iso_from_iso, ts)
        if app != "-":
            log_syslog["appname"] = app
        if procid != "-":
            log_syslog["procid"] = procid
        if msgid != "-":
            log_syslog["msgid"] = msgid
        if sd != "-":
            log_syslog["structured_data"] = parse_structured_data(sd, event)
        body = body or ""
        if body.startswith("\ufeff"):
            body = body[1:]
        if host != "-":
            sub(event, "host")["name"] = host
        _route(app if app != "-" else "", to_int(procid), body, event, record)
        return True
    m3 = _RFC3164.match(text)
    if m3 is None:
        return False
    pri, mon, day, hms, frac, iso, host, rest = m3.groups()
    log_syslog = _pri(event, pri)
    if mon:
        set_timestamp(event, iso_from_bsd, mon, day, hms, frac, record.received_at)
    else:
        set_timestamp(event, iso_from_iso, iso)
    sub(event, "host")["name"] = host
    if rest.startswith("CEF:"):
        _route("", None, rest, event, record)
        return True
    mt = _TAG.match(rest)
    if mt is None:
        event["message"] = rest
        _generic(event)
        return True
    app, pid, body = mt.groups()
    log_syslog["appname"] = app
    if pid:
        log_syslog["procid"] = pid
    _route(app, to_int(pid), body, event, record)
    return True


def _generic(event: Event) -> None:
    ev = event["event"]
    ev["dataset"] = "syslog"
    ev["category"] = ["host"]
    ev["type"] = ["info"]


def _route(app: str, pid: int | None, body: str, event: Event, record: RawRecord) -> None:
    event["message"] = body
    program = app
    pam_suffix = app.find("(")
    if pam_suffix > 0:  # "sshd(pam_unix)"
        program = app[:pam_suffix]
    if program:
        proc = sub(event, "process")
        proc["name"] = program
        if pid is not None:
            proc["pid"] = pid
    rep = _REPEATED.match(body)
    if rep is not None:
        sub(event, "secops")["repeat_count"] = to_int(rep.group(1))
        body = rep.group(2)
    parser = program_parser(program, body, pam_tag=pam_suffix > 0)
    if parser is not None and parser.text is not None and parser.text(body, event, record):
        event["event"].setdefault("dataset", parser.dataset)
        return
    _generic(event)
