"""Windows events as JSON (dataset ``windows``), in three shapes.

* evtx-rs JSON: ``{"Event": {"System": {...}, "EventData": {...}}}`` with the
  ``#attributes`` / ``#text`` quirks; ``UserData`` fields count as event data.
* Winlogbeat ECS: ``winlog.*`` already present.
* NXLog flat JSON: the event data at top level beside ``EventID``, ``Channel``,
  ``Hostname``, ``SourceName``...

All become ``winlog.channel``, ``winlog.event_id`` (string), ``winlog.provider_name``,
``winlog.computer_name``, ``winlog.record_id``, ``winlog.event_data.<Name>``
(original names, values as strings), ``event.code``, ``event.provider``,
``host.name``, ``message``, with ECS lifts from :mod:`secops.normalize.windows_ecs`.
"""

from __future__ import annotations

from typing import Any

import orjson

from secops.normalize.base import Event, sub
from secops.normalize.timefmt import iso_from_iso
from secops.normalize.windows_ecs import lift
from secops.records import RawRecord

# NXLog's own fields: everything else in a flat NXLog event is event data
_NXLOG_META = frozenset(
    (
        "EventID", "Channel", "Hostname", "SourceName", "ProviderGuid", "RecordNumber",
        "TimeCreated", "EventTime", "EventReceivedTime", "@timestamp", "Message", "Level",
        "Keywords", "Task", "Opcode", "OpcodeValue", "Severity", "SeverityValue",
        "SourceModuleName", "SourceModuleType", "ExecutionProcessID", "ExecutionThreadID",
        "Version", "Category", "UserID", "ActivityID", "RelatedActivityID",
    )
)  # fmt: skip
_NXLOG_EVENT_TYPES = frozenset(
    ("INFO", "WARNING", "ERROR", "CRITICAL", "VERBOSE", "AUDIT_SUCCESS", "AUDIT_FAILURE")
)


def _text(value: Any) -> str | None:
    """A value as string; evtx-rs ``{"#text": x}`` unwrapped; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict) and "#text" in value:
        return _text(value["#text"])
    if isinstance(value, list):
        return "\n".join(t for t in (_text(v) for v in value) if t is not None)
    return orjson.dumps(value).decode()


def _attr(node: Any, name: str) -> Any:
    if isinstance(node, dict):
        attrs = node.get("#attributes")
        if isinstance(attrs, dict):
            return attrs.get(name)
    return None


def _data_fields(node: Any, out: dict[str, str]) -> None:
    """evtx-rs EventData/UserData into ``out``; unnamed ``Data`` items become param1..N."""
    if not isinstance(node, dict):
        text = _text(node)
        if text:
            out["Data"] = text
        return
    for key, value in node.items():
        if key == "#attributes":
            continue
        if key == "Data" and isinstance(value, dict | list) and not _is_text_node(value):
            items = value.get("#text") if isinstance(value, dict) else value
            if not isinstance(items, list):
                items = [value]
            for i, item in enumerate(items, 1):
                text = _text(item)
                if text is not None:
                    out[f"param{i}"] = text
            continue
        if isinstance(value, dict) and "#text" not in value:
            _data_fields(value, out)  # UserData wraps its fields in one element
            continue
        text = _text(value)
        if text is not None:
            out[key] = text


def _is_text_node(value: Any) -> bool:
    return isinstance(value, dict) and "#text" in value and not isinstance(value["#text"], list)


def _from_evtx(obj: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], str | None]:
    ev = obj["Event"]
    system = ev.get("System") or {}
    provider = system.get("Provider")
    winlog: dict[str, Any] = {
        "channel": _text(system.get("Channel")),
        "event_id": _text(system.get("EventID")),
        "provider_name": _attr(provider, "Name"),
        "provider_guid": _attr(provider, "Guid"),
        "computer_name": _text(system.get("Computer")),
        "record_id": _text(system.get("EventRecordID")),
    }
    for key, name in (("Level", "level"), ("Task", "task"), ("Opcode", "opcode")):
        if system.get(key) is not None:
            winlog[name] = _text(system.get(key))
    keywords = system.get("Keywords")
    if keywords is not None:
        winlog["keywords"] = _text(keywords)
    execution = system.get("Execution")
    pid = _attr(execution, "ProcessID")
    if pid is not None:
        winlog["process"] = {"pid": pid, "thread": {"id": _attr(execution, "ThreadID")}}
    user_id = _attr(system.get("Security"), "UserID")
    if user_id:
        winlog["user"] = {"identifier": user_id}
    data: dict[str, str] = {}
    for part in ("EventData", "UserData"):
        if ev.get(part) is not None:
            _data_fields(ev[part], data)
    return winlog, data, _attr(system.get("TimeCreated"), "SystemTime")


def _from_nxlog(obj: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], str | None]:
    winlog: dict[str, Any] = {
        "channel": obj.get("Channel"),
        "event_id": _text(obj.get("EventID")),
        "provider_name": obj.get("SourceName"),
        "provider_guid": obj.get("ProviderGuid"),
        "computer_name": obj.get("Hostname"),
        "record_id": _text(obj.get("RecordNumber")),
    }
    for key, name in (("Level", "level"), ("Task", "task"), ("Keywords", "keywords")):
        if key in obj:
            winlog[name] = _text(obj[key])
    sysmon = "Sysmon" in (winlog["channel"] or "")
    data: dict[str, str] = {}
    for key, value in obj.items():
        if key in _NXLOG_META:
            continue
        if key == "EventType" and not sysmon and value in _NXLOG_EVENT_TYPES:
            continue
        text = value if isinstance(value, str) else _text(value)
        if text is not None:
            data[key] = text
    return winlog, data, obj.get("TimeCreated") or obj.get("EventTime") or obj.get("@timestamp")


def _from_winlogbeat(obj: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], str | None]:
    winlog = dict(obj["winlog"])
    winlog["event_id"] = _text(winlog.get("event_id"))
    raw = winlog.get("event_data") or {}
    data = {k: t for k, v in raw.items() if (t := _text(v)) is not None}
    for key, value in (winlog.get("user_data") or {}).items():
        text = _text(value)
        if text is not None and key != "xml_name":
            data.setdefault(key, text)
    return winlog, data, obj.get("@timestamp")


def shape(obj: dict[str, Any]) -> str | None:
    """Which Windows JSON shape ``obj`` has: "evtx", "winlogbeat", "nxlog" or None."""
    if isinstance(obj.get("Event"), dict) and "System" in obj["Event"]:
        return "evtx"
    if isinstance(obj.get("winlog"), dict):
        return "winlogbeat"
    if "EventID" in obj and ("Channel" in obj or "SourceName" in obj):
        return "nxlog"
    return None


_SHAPES = {"evtx": _from_evtx, "winlogbeat": _from_winlogbeat, "nxlog": _from_nxlog}


def parse_structured(obj: dict[str, Any], event: Event, record: RawRecord) -> bool:
    """Fill the Windows fields of ``event`` from one event object of any shape."""
    kind = shape(obj)
    if kind is None:
        return False
    winlog, data, when = _SHAPES[kind](obj)
    winlog = {k: v for k, v in winlog.items() if v is not None}
    winlog["event_data"] = data
    event["winlog"] = winlog
    if when:
        event["@timestamp"] = iso_from_iso(when)
    ev = event["event"]
    event_id = winlog.get("event_id")
    if event_id is not None:
        ev["code"] = event_id
    if "provider_name" in winlog:
        ev["provider"] = winlog["provider_name"]
    if "computer_name" in winlog:
        sub(event, "host")["name"] = winlog["computer_name"]
    message = obj.get("Message") if kind == "nxlog" else obj.get("message")
    if isinstance(message, str):
        event["message"] = message
    else:  # the raw object is in event.original; keep message short
        event["message"] = f"{winlog.get('provider_name', '?')} event {event_id}"
    if kind == "winlogbeat":
        for key in ("process", "user", "source", "destination", "file", "registry", "dns"):
            if isinstance(obj.get(key), dict):
                event[key] = obj[key]
    lift(event, winlog.get("channel") or "", event_id or "", data)
    return True


def parse(text: str, event: Event, record: RawRecord) -> bool:
    """A text line holding one Windows event as a JSON object."""
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return isinstance(obj, dict) and parse_structured(obj, event, record)
