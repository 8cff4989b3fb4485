"""ArcSight Common Event Format (dataset ``cef``), alone or after a syslog header.

``CEF:Version|Vendor|Product|Version|SignatureID|Name|Severity|k=v k2=v ...``.
Fills ``cef.{version,device.{vendor,product,version,event_class_id},name,severity,
extensions.<key>}`` (unescaped strings) and ECS lifts: src/spt → source.ip/port,
dst/dpt → destination.ip/port, suser → user.name, duser → destination.user.name,
shost/dhost → source/destination.domain, act → event.action, outcome →
event.outcome, msg → message, request → url.original, requestMethod →
http.request.method, fname → file.name, filePath → file.path, proto →
network.transport, app → network.protocol, dvchost → host.name, rt/end → @timestamp,
severity → event.severity.
"""

from __future__ import annotations

import re

from secops.normalize.base import (
    FIELDS_TRUNCATED,
    MAX_FIELDS,
    Event,
    add_related,
    degrade,
    set_source_addr,
    set_timestamp,
    set_user,
    sub,
    to_int,
)
from secops.normalize.timefmt import MONTHS, epoch_from_parts, iso_from_iso
from secops.records import RawRecord
from secops.times import iso_millis

_HEADER_SPLIT = re.compile(r"(?<!\\)\|")
_EXT_KEY = re.compile(r"(?:^|(?<=\s))([\w.\[\]-]+)=")
_HEADER_UNESCAPE = re.compile(r"\\([|\\])")
_EXT_UNESCAPE = re.compile(r"\\([=\\nr])")
_CEF_TIME = re.compile(r"^([A-Z][a-z]{2}) (\d\d) (\d{4}) (\d\d):(\d\d):(\d\d)(?:\.(\d{3}))?")
_ESC = {"=": "=", "\\": "\\", "n": "\n", "r": "\r"}


def parse_extension(ext: str, event: Event | None = None) -> dict[str, str]:
    """CEF extension ``k=v`` pairs; a value runs to the next unescaped `` key=``.

    Past ``MAX_FIELDS`` pairs the last value runs to the end and ``event`` (when
    given) is tagged.
    """
    out: dict[str, str] = {}
    matches: list[re.Match[str]] = []
    for m in _EXT_KEY.finditer(ext):
        if m.start() == 0 or ext[m.start() - 1] != "\\":
            if len(matches) == MAX_FIELDS:
                if event is not None:
                    degrade(event, FIELDS_TRUNCATED, f"more than {MAX_FIELDS} CEF extensions")
                break
            matches.append(m)
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(ext)
        value = ext[m.end() : end].rstrip(" ")
        out[m.group(1)] = _EXT_UNESCAPE.sub(lambda e: _ESC[e.group(1)], value)
    return out


def _time(value: str) -> str:
    """``rt``/``end``: epoch milliseconds, ``MMM dd yyyy HH:mm:ss[.SSS]`` or ISO-8601."""
    if value.isdigit():
        return iso_millis(int(value) / 1000)
    m = _CEF_TIME.match(value)
    if m is not None:
        mon, day, year, hh, mi, ss, ms = m.groups()
        t = epoch_from_parts(int(year), MONTHS[mon], int(day), int(hh), int(mi), int(ss))
        return iso_millis(t + (int(ms) / 1000 if ms else 0))
    return iso_from_iso(value)


def parse(text: str, event: Event, record: RawRecord) -> bool:
    """One CEF message (``CEF:`` may follow a prefix such as a syslog header)."""
    start = text.find("CEF:")
    if start < 0:
        return False
    parts = _HEADER_SPLIT.split(text[start + 4 :], 7)
    if len(parts) < 7:
        return False
    if len(parts) == 7:
        parts.append("")
    version, vendor, product, dev_version, class_id, name, severity, _ext = (
        _HEADER_UNESCAPE.sub(r"\1", p) for p in parts
    )
    extensions = parse_extension(parts[7], event)
    event["cef"] = {
        "version": version,
        "device": {
            "vendor": vendor,
            "product": product,
            "version": dev_version,
            "event_class_id": class_id,
        },
        "name": name,
        "severity": severity,
        "extensions": extensions,
    }
    event["message"] = extensions.get("msg") or name
    ev = event["event"]
    ev["dataset"] = "cef"
    sev = to_int(severity)
    if sev is not None:
        ev["severity"] = sev
    _lift(event, extensions)
    network = "src" in extensions or "dst" in extensions
    ev["category"] = ["network"] if network else ["host"]
    ev["type"] = ["info"]
    return True


def _lift(event: Event, x: dict[str, str]) -> None:
    get = x.get
    if get("src"):
        set_source_addr(event, get("src"), get("spt"))
    if get("dst"):
        dst = sub(event, "destination")
        dst["ip"] = x["dst"]
        add_related(event, "ip", x["dst"])
        port = to_int(get("dpt"))
        if port is not None:
            dst["port"] = port
    if get("shost"):
        sub(event, "source")["domain"] = x["shost"]
    if get("dhost"):
        sub(event, "destination")["domain"] = x["dhost"]
    set_user(event, get("suser"))
    if get("duser"):
        sub(sub(event, "destination"), "user")["name"] = x["duser"]
        add_related(event, "user", x["duser"])
    ev = event["event"]
    if get("act"):
        ev["action"] = x["act"]
    outcome = (get("outcome") or "").lower()
    if outcome in ("success", "failure"):
        ev["outcome"] = outcome
    elif outcome in ("failed", "fail", "denied", "blocked"):
        ev["outcome"] = "failure"
    if get("request"):
        sub(event, "url")["original"] = x["request"]
    if get("requestMethod"):
        sub(sub(event, "http"), "request")["method"] = x["requestMethod"]
    if get("fname"):
        sub(event, "file")["name"] = x["fname"]
    if get("filePath"):
        sub(event, "file")["path"] = x["filePath"]
    if get("proto"):
        sub(event, "network")["transport"] = x["proto"].lower()
    if get("app"):
        sub(event, "network")["protocol"] = x["app"].lower()
    if get("dvchost"):
        sub(event, "host")["name"] = x["dvchost"]
    when = get("rt") or get("end")
    if when:
        set_timestamp(event, _time, when)
