"""GET /api/v1/rules/coverage: ATT&CK per logsource of the active rules, and the blind spots,
over events really stored (the events counted by the store's aggregation)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from auth.support import person
from coverage_rules import AUDIT_POLICY_RULE
from fastapi.testclient import TestClient

from secops.accounting import SourceAccounting
from secops.auth import apikeys
from secops.context import Context, build_context
from secops.pipeline.deliver import deliver
from secops.pipeline.detection import NoDetection
from secops.records import RawRecord, Source
from secops.retry import RetryPolicy
from secops.rules.state import set_rule_state
from secops.settings import Settings

SSHD_KEY = "product=linux service=sshd"
SECURITY_KEY = "product=windows service=security"
PROCESS_KEY = "product=windows category=process_creation"
DISABLED_ID = "2a7e4c90-1b3d-4f5e-9a8b-7c6d5e4f3a21"

RULES = {
    "ssh_root.yml": """
title: SSH Login Attempt As Root
id: 9c2e1d40-3a5b-4c6d-8e7f-0a1b2c3d4e51
status: test
logsource: {product: linux, service: sshd}
detection:
    selection: {user.name: root}
    condition: selection
tags: [attack.credential-access, attack.t1110.001]
level: medium
""",
    "audit_policy.yml": AUDIT_POLICY_RULE,
    "zeek_rdp.yml": """
title: RDP Listener Reached From Outside
id: 5d1c0b7a-2e3f-4a5b-8c9d-0e1f2a3b4c5d
status: test
logsource: {product: zeek, service: rdp}
detection:
    selection: {id.resp_p: 3389}
    condition: selection
tags: [attack.lateral-movement, attack.t1021.001]
level: medium
""",
    "powershell.yml": f"""
title: PowerShell Started
id: {DISABLED_ID}
status: test
logsource: {{product: windows, category: process_creation}}
detection:
    selection: {{Image|endswith: '\\\\powershell.exe'}}
    condition: selection
tags: [attack.execution, attack.t1059.001]
level: low
""",
}


@pytest.fixture
def ctx(settings: Settings, tmp_path: Path) -> Iterator[Context]:
    folder = tmp_path / "rules"
    folder.mkdir()
    for name, text in RULES.items():
        (folder / name).write_text(text)
    context = build_context(settings.model_copy(update={"rule_dirs": [folder]}))
    yield context
    context.close()


def _store(ctx: Context, objects: list[dict[str, Any]]) -> None:
    records = [
        RawRecord(
            source=Source("http", host="h1", application="test"),
            received_at=datetime.now(UTC).timestamp(),
            structured=obj,
            origin=f"coverage-test:{i}",
        )
        for i, obj in enumerate(objects)
    ]
    deliver(
        records,
        es=ctx.es,
        names=ctx.names,
        detector=NoDetection(),
        accounting=SourceAccounting(),
        policy=RetryPolicy(),
        stop=threading.Event(),
    )
    ctx.es.indices.refresh(index=ctx.names.events_pattern)


@pytest.fixture
def stored(ctx: Context) -> None:
    """Two sshd events and two badge-reader events of the last hour; one Windows Security
    event of three days ago."""
    now = datetime.now(UTC)
    recent = (now - timedelta(hours=1)).isoformat()
    old = (now - timedelta(days=3)).isoformat()
    _store(
        ctx,
        [
            {"@timestamp": recent, "event": {"dataset": "linux.sshd"}, "user": {"name": "root"}},
            {"@timestamp": recent, "event": {"dataset": "linux.sshd"}, "user": {"name": "ali"}},
            {"@timestamp": recent, "event": {"dataset": "badge.reader", "module": "badge"}},
            {"@timestamp": recent, "event": {"dataset": "badge.reader", "module": "badge"}},
            {
                "@timestamp": old,
                "Channel": "Security",
                "EventID": 4719,
                "Hostname": "pc1",
                "SourceName": "Microsoft-Windows-Security-Auditing",
            },
        ],
    )
    set_rule_state(ctx, rule_id=DISABLED_ID, enabled=False, by="test", reason="too noisy")


def _ids(items: list[dict[str, Any]]) -> set[str]:
    return {item["id"] for item in items}


@pytest.mark.usefixtures("stored")
def test_coverage_per_logsource_and_blind_spots(ctx: Context, client: TestClient) -> None:
    assert client.get("/api/v1/rules/coverage").status_code == 401
    auditor = person(ctx, client, "audrey", "auditor")
    resp = client.get("/api/v1/rules/coverage", headers=auditor)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    by_key = {c["key"]: c for c in body["logsources"]}

    # sshd: our rule and the built-in one, read by the built-in brute-force correlation.
    sshd = by_key[SSHD_KEY]
    assert sshd["events"] == 2
    assert sshd["rules"] >= 2
    assert sshd["correlations"] >= 1
    assert "credential-access" in sshd["tactics"]
    assert "T1110.001" in sshd["techniques"]
    # Windows Security: an active rule, its one event three days old: blind over a day.
    security = by_key[SECURITY_KEY]
    assert security["rules"] == 1
    assert security["events"] == 0
    assert security["tactics"] == ["defense-evasion"]
    assert security["techniques"] == ["T1562.002"]
    assert SECURITY_KEY in body["blind_logsources"]
    assert SSHD_KEY not in body["blind_logsources"]
    # The disabled rule covers nothing.
    assert PROCESS_KEY not in by_key
    assert "T1059.001" not in _ids(body["techniques"])
    assert "execution" not in _ids(body["tactics"])
    # A rule of a logsource no mapping covers runs on no event: it covers nothing either.
    assert "product=zeek service=rdp" not in by_key
    assert "T1021.001" not in _ids(body["techniques"])
    assert body["inactive_rules"] >= 2
    assert {"T1562.002", "T1110.001"} <= _ids(body["techniques"])
    # Sources: no active rule sees the badge reader's events.
    sources = {s["dataset"]: s for s in body["sources"]}
    assert sources["badge.reader"] == {
        "dataset": "badge.reader",
        "modules": ["badge"],
        "events": 2,
        "uncovered": 2,
    }
    assert sources["linux.sshd"]["uncovered"] == 0
    assert body["uncovered_sources"] == ["badge.reader"]
    assert body["window"] == "1d"

    # Enabled again, the rule's logsource and ATT&CK tags count.
    set_rule_state(ctx, rule_id=DISABLED_ID, enabled=True, by="test", reason=None)
    body = client.get("/api/v1/rules/coverage", headers=auditor).json()
    assert {c["key"]: c for c in body["logsources"]}[PROCESS_KEY]["techniques"] == ["T1059.001"]
    assert "execution" in _ids(body["tactics"])


@pytest.mark.usefixtures("stored")
def test_a_wider_window_sees_the_older_events(ctx: Context, client: TestClient) -> None:
    operator = person(ctx, client, "oscar", "soc_operator")
    body = client.get("/api/v1/rules/coverage?window=7d", headers=operator).json()
    security = {c["key"]: c for c in body["logsources"]}[SECURITY_KEY]
    assert security["events"] == 1  # the channel "Security" routes case-insensitively
    assert SECURITY_KEY not in body["blind_logsources"]
    assert "windows" not in body["uncovered_sources"]


def test_a_sender_key_and_a_window_that_is_not_a_duration_are_refused(
    ctx: Context, client: TestClient
) -> None:
    key = apikeys.create(ctx, name="dms", roles=["ingest"], actor="system:test").key
    assert client.get("/api/v1/rules/coverage", headers={"X-API-Key": key}).status_code == 403
    auditor = person(ctx, client, "audrey", "auditor")
    for bad in ("yesterday", "0d", "-1d"):
        resp = client.get(f"/api/v1/rules/coverage?window={bad}", headers=auditor)
        assert resp.status_code == 422
        assert "window" in resp.json()["detail"]


def test_coverage_is_documented_with_its_errors(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    op = spec["paths"]["/api/v1/rules/coverage"]["get"]
    assert {"401", "403", "422"} <= set(op["responses"])
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/CoverageOut")
