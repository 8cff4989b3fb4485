"""Windows events in the ECS layout of secops.normalize, built from test material.

evtx-rs JSON (SigmaHQ regression data) and NXLog flat JSON (our samples) are
mapped to ``winlog.*``: EventData fields under ``winlog.event_data`` as strings.
"""

from __future__ import annotations

from typing import Any

_NXLOG_HEADER = {
    "EventID",
    "Channel",
    "Hostname",
    "SourceName",
    "ProviderGuid",
    "Level",
    "Keywords",
    "TimeCreated",
    "@timestamp",
    "Message",
    "Task",
    "EventTime",
    "EventReceivedTime",
    "SourceModuleName",
    "SourceModuleType",
    "Severity",
    "SeverityValue",
    "EventType",
    "RecordNumber",
    "ProcessID",
    "ThreadID",
    "Version",
    "Opcode",
    "OpcodeValue",
    "Category",
    "Domain",
    "AccountName",
    "UserID",
    "AccountType",
    "ActivityID",
    "ExecutionProcessID",
}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _ecs(event_id: Any, channel: str, provider: str, computer: str, data: dict[str, Any]) -> dict:
    return {
        "event": {"dataset": "windows", "code": _text(event_id)},
        "host": {"name": computer},
        "winlog": {
            "event_id": _text(event_id),
            "channel": channel,
            "provider_name": provider,
            "computer_name": computer,
            "event_data": {k: _text(v) for k, v in data.items() if v is not None},
        },
    }


def from_evtx_json(obj: dict[str, Any]) -> dict[str, Any]:
    event = obj["Event"]
    system = event["System"]
    data: dict[str, Any] = {}
    for section in ("EventData", "UserData"):
        block = event.get(section) or {}
        if section == "UserData":  # one wrapper element around the fields
            for inner in block.values():
                if isinstance(inner, dict):
                    data.update({k: v for k, v in inner.items() if not k.startswith("#")})
        else:
            data.update({k: v for k, v in block.items() if not k.startswith("#")})
    event_id = system["EventID"]
    if isinstance(event_id, dict):
        event_id = event_id.get("#text")
    return _ecs(
        event_id,
        system.get("Channel", ""),
        system.get("Provider", {}).get("#attributes", {}).get("Name", ""),
        system.get("Computer", ""),
        data,
    )


def from_nxlog(obj: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in obj.items() if k not in _NXLOG_HEADER}
    if "EventType" in obj and obj.get("Channel") == "Microsoft-Windows-Sysmon/Operational":
        data["EventType"] = obj["EventType"]
    ecs = _ecs(
        obj["EventID"],
        obj.get("Channel", ""),
        obj.get("SourceName", ""),
        obj.get("Hostname", ""),
        data,
    )
    if "Message" in obj:
        ecs["message"] = obj["Message"]
    return ecs
