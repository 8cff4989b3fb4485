"""A bad field degrades that field alone: the event keeps every other field, is
tagged, says why in ``error.message``, and the rules on the other fields still fire."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from secops.detect.engine import DetectionEngine
from secops.detect.loader import BUILTIN_RULES, load_rules
from secops.normalize import normalize

from .records import record

SIGMA = Path(__file__).resolve().parents[2] / ".." / "shared" / "sigma"
USER_CREATION = SIGMA / "rules/windows/builtin/security/win_security_user_creation.yml"
RECEIVED_ISO = "2026-01-01T00:00:00.000Z"  # records.RECEIVED


@pytest.fixture(scope="module")
def engine() -> DetectionEngine:
    return DetectionEngine(load_rules([BUILTIN_RULES, USER_CREATION], collect_errors=False))


def fired(engine: DetectionEngine, event: dict[str, Any]) -> set[str]:
    return {m.rule.title for m in engine.match(event, "e1")}


def assert_degraded(event: dict[str, Any], tag: str) -> None:
    assert event["event"]["dataset"] != "unparsed"
    assert "unparsed" not in event["tags"]
    assert tag in event["tags"]
    assert event["error"]["message"]


SSHD_FAILED = "Failed password for root from 10.0.0.1 port 22 ssh2"


@pytest.mark.parametrize(
    "line",
    [
        f"Oct 99 10:00:00 web1 sshd[12]: {SSHD_FAILED}",  # day 99
        f"Foo  1 10:00:00 web1 sshd[12]: {SSHD_FAILED}",  # no such month
        f"<38>1 2025-10-01T10:00:00+99:99 web1 sshd 12 - - {SSHD_FAILED}",  # offset +99:99
        f"<38>1 2025-13-45T10:00:00Z web1 sshd 12 - - {SSHD_FAILED}",
    ],
    ids=["day-99", "month-Foo", "offset-99:99", "month-13"],
)
def test_bad_syslog_timestamp_keeps_the_sshd_fields(line: str, engine: DetectionEngine) -> None:
    ev = normalize(record(line))
    assert_degraded(ev, "timestamp_invalid")
    assert ev["@timestamp"] == RECEIVED_ISO
    assert ev["event"]["dataset"] == "linux.sshd"
    assert ev["event"]["action"] == "ssh_failed_login"
    assert ev["user"]["name"] == "root"
    assert ev["source"] == {"ip": "10.0.0.1", "port": 22}
    assert ev["host"]["name"] == "web1"
    assert "SSH Failed Password Login" in fired(engine, ev)


def test_bad_clf_offset_keeps_the_access_fields() -> None:
    ev = normalize(
        record('10.0.0.1 - bob [01/Mar/2025:10:00:00 +9999] "GET /admin HTTP/1.1" 403 12 "-" "x"')
    )
    assert_degraded(ev, "timestamp_invalid")
    assert ev["@timestamp"] == RECEIVED_ISO
    assert ev["event"]["dataset"] == "nginx.access"
    assert ev["source"]["ip"] == "10.0.0.1"
    assert ev["user"]["name"] == "bob"
    assert ev["url"]["path"] == "/admin"
    assert ev["http"]["response"]["status_code"] == 403
    assert ev["event"]["outcome"] == "failure"


def test_bad_postgresql_offset_keeps_the_login_failure() -> None:
    ev = normalize(
        record(
            "2024-03-01 12:00:00 +99 [77] user=bob,db=hr,client=10.1.1.1 FATAL:  "
            'password authentication failed for user "bob"'
        )
    )
    assert_degraded(ev, "timestamp_invalid")
    assert ev["event"]["action"] == "authentication_failed"
    assert ev["user"]["name"] == "bob"
    assert ev["source"]["ip"] == "10.1.1.1"
    assert ev["process"]["pid"] == 77


def test_bad_dms_timestamp_keeps_the_denied_secret_access(engine: DetectionEngine) -> None:
    ev = normalize(
        record(
            "app=dms ts=2025-02-31T10:00:00Z user=mrossi action=view doc_id=D-1 "
            "classification=secret result=denied client=10.1.2.3"
        )
    )
    assert_degraded(ev, "timestamp_invalid")
    assert ev["@timestamp"] == RECEIVED_ISO
    assert ev["parliament"]["document"] == {"id": "D-1", "classification": "secret"}
    assert ev["parliament"]["result"] == "denied"
    assert ev["user"]["name"] == "mrossi"
    assert "Access To A Classified Document Denied" in fired(engine, ev)


def test_bad_cef_time_keeps_the_extensions() -> None:
    ev = normalize(record("CEF:0|A|FW|1|100|Blocked|8|src=10.0.0.1 rt=Oct 99 2024 10:00:00 act=x"))
    assert_degraded(ev, "timestamp_invalid")
    assert ev["source"]["ip"] == "10.0.0.1"
    assert ev["event"]["action"] == "x"


def test_huge_auditd_epoch_keeps_the_record_fields() -> None:
    ev = normalize(
        record(
            'type=USER_LOGIN msg=audit(99999999999999999999.1:7): pid=1 uid=0 acct="bob" res=failed'
        )
    )
    assert_degraded(ev, "timestamp_invalid")
    assert ev["user"]["name"] == "bob"
    assert ev["event"]["outcome"] == "failure"


WINLOGBEAT_4720 = {
    "@timestamp": "2025-03-01T10:00:00Z",
    "winlog": {
        "channel": "Security",
        "event_id": 4720,
        "provider_name": "Microsoft-Windows-Security-Auditing",
        "computer_name": "dc1",
    },
}


@pytest.mark.parametrize(
    "bad", [["TargetUserName", "eve"], "TargetUserName=eve", 4720], ids=["list", "str", "int"]
)
def test_non_object_event_data_keeps_the_event(bad: Any, engine: DetectionEngine) -> None:
    obj = {**WINLOGBEAT_4720, "winlog": {**WINLOGBEAT_4720["winlog"], "event_data": bad}}
    ev = normalize(record(structured=obj))
    assert_degraded(ev, "event_data_invalid")
    assert "winlog.event_data" in ev["error"]["message"]
    assert ev["event"]["dataset"] == "windows"
    assert ev["@timestamp"] == "2025-03-01T10:00:00.000Z"
    assert ev["winlog"]["event_id"] == "4720"
    assert ev["winlog"]["channel"] == "Security"
    assert ev["winlog"]["event_data"] == {}
    assert ev["event"]["code"] == "4720"
    assert ev["event"]["action"] == "added-user-account"
    assert ev["host"]["name"] == "dc1"
    assert "Local User Creation" in fired(engine, ev)


def test_evtx_system_not_an_object_keeps_the_event_data() -> None:
    obj = {
        "Event": {
            "System": "garbled",
            "EventData": {"TargetUserName": "eve", "SubjectUserName": "admin"},
        }
    }
    ev = normalize(record(structured=obj, hint="evtx"))
    assert_degraded(ev, "event_data_invalid")
    assert ev["winlog"]["event_data"] == {"TargetUserName": "eve", "SubjectUserName": "admin"}
    assert ev["user"]["name"] == "admin"


def test_evtx_event_data_list_is_kept_as_text_and_tagged() -> None:
    obj = {
        "Event": {
            "System": {"EventID": 4720, "Channel": "Security", "Computer": "dc1"},
            "EventData": ["eve", "admin"],
        }
    }
    ev = normalize(record(structured=obj))
    assert_degraded(ev, "event_data_invalid")
    assert ev["winlog"]["event_data"] == {"Data": "eve\nadmin"}
    assert ev["winlog"]["event_id"] == "4720"
    assert ev["host"]["name"] == "dc1"
