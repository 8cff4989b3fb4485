"""The parliament's own formats (PARLIAMENT_FORMATS.md): DMS audit and portal/e-voting."""

from __future__ import annotations

import pytest

from secops.normalize import normalize

from .records import record

DMS_JSON = {
    "app": "dms", "ts": "2025-03-01T10:00:00.250Z", "user": "mrossi",
    "role": "Clerk,committee_member", "clearance": "Confidential", "doc_id": "DOC-2025-0042",
    "classification": "SECRET", "committee": "Defence", "action": "download",
    "result": "denied", "client": "10.1.2.3", "session": "9f1c2e",
    "reason": "clearance below classification",
}  # fmt: skip
DMS_KV = (
    "app=dms ts=2025-03-01T10:00:00.250Z user=mrossi role=clerk,committee_member "
    "clearance=confidential doc_id=DOC-2025-0042 classification=secret committee=defence "
    'action=download result=denied client=10.1.2.3 session=9f1c2e reason="clearance below '
    'classification"'
)


def _check_dms(ev: dict) -> None:
    assert ev["event"]["dataset"] == "parliament.dms"
    assert ev["@timestamp"] == "2025-03-01T10:00:00.250Z"
    assert ev["user"]["name"] == "mrossi"
    assert ev["user"]["roles"] == ["clerk", "committee_member"]
    assert ev["source"]["ip"] == "10.1.2.3"
    assert ev["event"]["action"] == "download"
    assert ev["event"]["outcome"] == "failure"
    assert ev["event"]["category"] == ["file"]
    assert ev["event"]["type"] == ["access", "denied"]
    assert ev["event"]["reason"] == "clearance below classification"
    assert ev["parliament"]["document"] == {
        "id": "DOC-2025-0042", "classification": "secret", "committee": "defence",
    }  # fmt: skip
    assert ev["parliament"]["user"]["clearance"] == "confidential"
    assert ev["parliament"]["session_id"] == "9f1c2e"


def test_dms_structured() -> None:
    _check_dms(normalize(record(structured=DMS_JSON, input_="http")))


def test_dms_json_line() -> None:
    import json

    _check_dms(normalize(record(json.dumps(DMS_JSON))))


def test_dms_kv_line_and_syslog_body() -> None:
    _check_dms(normalize(record(DMS_KV)))
    body = DMS_KV.removeprefix("app=dms ")
    ev = normalize(record(f"<134>1 2025-03-01T10:00:00.250Z dms01 dms 812 AUDIT - {body}"))
    _check_dms(ev)
    assert ev["host"]["name"] == "dms01"


@pytest.mark.parametrize(
    ("action", "result", "type_", "outcome"),
    [("view", "success", ["access"], "success"), ("delete", "success", ["deletion"], "success"),
     ("print", "error", ["access"], "unknown")],
)  # fmt: skip
def test_dms_actions_and_results(action: str, result: str, type_: list[str], outcome: str) -> None:
    ev = normalize(record(structured={**DMS_JSON, "action": action, "result": result}))
    assert ev["event"]["type"] == type_
    assert ev["event"]["outcome"] == outcome
    assert ev["parliament"]["result"] == result


VOTE = (
    'evoting 10.20.0.17 - M0421 [12/Mar/2025:10:15:02 +0100] "POST /ballots/B-2025-031/vote'
    '?confirm=1 HTTP/1.1" 201 87 "https://vote.parliament.example/ballots/B-2025-031" '
    '"Mozilla/5.0" sid=8f2c1a action=vote_cast ballot=B-2025-031 ms=42'
)


def test_portal_vote_cast() -> None:
    ev = normalize(record(VOTE))
    assert ev["event"]["dataset"] == "parliament.portal"
    assert ev["@timestamp"] == "2025-03-12T09:15:02.000Z"
    assert ev["source"]["ip"] == "10.20.0.17"
    assert ev["user"] == {"name": "M0421", "id": "M0421"}
    assert ev["event"]["action"] == "vote_cast"
    assert ev["event"]["duration"] == 42_000_000
    assert ev["parliament"] == {
        "service": "evoting", "session_id": "8f2c1a", "vote": {"ballot_id": "B-2025-031"},
    }  # fmt: skip
    assert ev["http"]["request"]["method"] == "POST"
    assert ev["http"]["response"]["status_code"] == 201
    assert ev["url"]["path"] == "/ballots/B-2025-031/vote"
    assert ev["url"]["query"] == "confirm=1"
    assert ev["event"]["outcome"] == "success"


def test_portal_failed_login() -> None:
    ev = normalize(record(
        'portal 10.20.0.5 - - [12/Mar/2025:10:14:40 +0100] "POST /login HTTP/1.1" 401 35 "-" '
        '"Mozilla/5.0" sid=- action=login_failed ballot=- ms=120'
    ))  # fmt: skip
    assert ev["parliament"] == {"service": "portal"}
    assert "user" not in ev
    assert ev["event"]["category"] == ["web", "authentication"]
    assert ev["event"]["outcome"] == "failure"
    assert ev["event"]["action"] == "login_failed"


def test_portal_through_syslog() -> None:
    ev = normalize(record(f"Mar 12 09:15:02 web3 evoting[12]: {VOTE}"))
    assert ev["event"]["dataset"] == "parliament.portal"
    assert ev["host"]["name"] == "web3"
