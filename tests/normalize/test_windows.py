"""Windows events: NXLog flat JSON samples, evtx-rs JSON regression data, Winlogbeat."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
import pytest

from secops.normalize import iter_json_objects, normalize

from .records import SIGMA, record, sample_lines

NXLOG = [
    "windows/otrf_auditpol_system_user_auditpolicy_modification.json.gz",
    "windows/otrf_cmd_wevtutil_modify_security_eventlog_path.json.gz",
]
META = {"EventID", "Channel", "Hostname", "SourceName", "ProviderGuid", "TimeCreated",
        "@timestamp", "Message", "Level", "Keywords", "Task"}  # fmt: skip


@pytest.mark.parametrize("path", NXLOG)
def test_nxlog_samples_every_event_mapped(path: str) -> None:
    lines = sample_lines(path)
    for line in lines:
        ev = normalize(record(line))
        raw = orjson.loads(line)
        w = ev["winlog"]
        assert ev["event"]["dataset"] == "windows"
        assert w["event_id"] == str(raw["EventID"]) == ev["event"]["code"]
        assert w["channel"] == raw["Channel"]
        assert w["provider_name"] == raw["SourceName"] == ev["event"]["provider"]
        assert w["computer_name"] == raw["Hostname"] == ev["host"]["name"]
        expected = {k: v for k, v in raw.items() if k not in META and isinstance(v, str)}
        for key, value in expected.items():
            assert w["event_data"][key] == value
        assert all(isinstance(v, str) for v in w["event_data"].values())
        assert ev["event"]["original"] == line
        assert ev["message"] == raw["Message"]


def test_nxlog_ecs_lifts() -> None:
    events = [normalize(record(line)) for line in sample_lines(NXLOG[1])]
    by_code = Counter(ev["event"]["code"] for ev in events)
    assert by_code["1"] > 0
    sysmon1 = next(ev for ev in events if ev["event"]["code"] == "1"
                   and ev["winlog"]["channel"].startswith("Microsoft-Windows-Sysmon"))  # fmt: skip
    data = sysmon1["winlog"]["event_data"]
    assert sysmon1["process"]["executable"] == data["Image"]
    assert sysmon1["process"]["command_line"] == data["CommandLine"]
    assert sysmon1["process"]["pid"] == int(data["ProcessId"])
    assert sysmon1["process"]["parent"]["executable"] == data["ParentImage"]
    assert sysmon1["event"]["category"] == ["process"]
    p4688 = next(ev for ev in events if ev["event"]["code"] == "4688")
    data = p4688["winlog"]["event_data"]
    assert p4688["process"]["executable"] == data["NewProcessName"]
    assert p4688["process"]["pid"] == int(data["NewProcessId"], 16)


def _regression_files() -> list[Path]:
    return sorted((SIGMA / "regression_data").rglob("*.json"))


def test_evtx_regression_data() -> None:
    files = _regression_files()
    assert files
    total = 0
    for path in files:
        for obj in iter_json_objects(path.read_text(encoding="utf-8"), where=str(path)):
            total += 1
            ev = normalize(record(structured=obj))
            system = obj["Event"]["System"]
            w = ev["winlog"]
            assert ev["event"]["dataset"] == "windows", path
            assert w["event_id"] == str(system["EventID"])
            assert w["channel"] == system["Channel"]
            assert w["computer_name"] == system["Computer"]
            assert w["provider_name"] == system["Provider"]["#attributes"]["Name"]
            assert w["record_id"] == str(system["EventRecordID"])
            for key, value in (obj["Event"].get("EventData") or {}).items():
                if value is not None:
                    assert w["event_data"][key] == str(value), (path, key)
            assert ev["event"]["original"] == orjson.dumps(obj).decode()
    assert total >= 100


def test_evtx_quirks_text_nodes_unnamed_data_and_userdata() -> None:
    obj = {"Event": {
        "System": {
            "Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing"}},
            "EventID": {"#attributes": {"Qualifiers": 0}, "#text": 4625},
            "Channel": "Security", "Computer": "dc1", "EventRecordID": 7,
            "TimeCreated": {"#attributes": {"SystemTime": "2024-01-01T00:00:00.1234567Z"}},
        },
        "EventData": {"TargetUserName": "bob", "TargetDomainName": "CORP",
                      "IpAddress": "10.0.0.9", "IpPort": "5050", "LogonType": 3,
                      "Extra": {"#text": "x"}, "Empty": None},
    }}  # fmt: skip
    ev = normalize(record(structured=obj))
    assert ev["winlog"]["event_id"] == "4625"
    assert ev["winlog"]["event_data"]["LogonType"] == "3"
    assert ev["winlog"]["event_data"]["Extra"] == "x"
    assert "Empty" not in ev["winlog"]["event_data"]
    assert ev["@timestamp"] == "2024-01-01T00:00:00.123Z"
    assert ev["event"]["outcome"] == "failure"
    assert ev["event"]["category"] == ["authentication"]
    assert ev["user"] == {"name": "bob", "domain": "CORP"}
    assert ev["source"] == {"ip": "10.0.0.9", "port": 5050}
    unnamed = {"Event": {"System": {"EventID": 7045, "Channel": "System"},
                         "EventData": {"Data": {"#text": ["svc", "C:\\x.exe"]}},
                         "UserData": {"Op": {"#attributes": {}, "User": "a\\b"}}}}  # fmt: skip
    ev = normalize(record(structured=unnamed))
    assert ev["winlog"]["event_data"]["param1"] == "svc"
    assert ev["winlog"]["event_data"]["param2"] == "C:\\x.exe"
    assert ev["winlog"]["event_data"]["User"] == "a\\b"


def test_winlogbeat_shape() -> None:
    obj = {
        "@timestamp": "2024-02-02T10:00:00.000Z",
        "message": "A new process has been created.",
        "winlog": {"channel": "Security", "event_id": 4688, "provider_name": "P",
                   "computer_name": "ws1", "record_id": 9,
                   "event_data": {"NewProcessName": "C:\\w\\cmd.exe", "NewProcessId": "0x10",
                                  "CommandLine": "cmd /c x", "ProcessId": "0x4"}},
    }  # fmt: skip
    ev = normalize(record(structured=obj))
    assert ev["event"]["dataset"] == "windows"
    assert ev["winlog"]["event_id"] == "4688"
    assert ev["host"]["name"] == "ws1"
    assert ev["process"]["name"] == "cmd.exe"
    assert ev["process"]["pid"] == 16
    assert ev["process"]["parent"]["pid"] == 4
    assert ev["message"] == "A new process has been created."
