"""Deleting the newest audit entries in Elasticsearch is caught, alerted, and never papered over.

The attacker here has write access to Elasticsearch and deletes the last two entries
through the store; the state directory (with its signed checkpoints) is out of reach.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alerts.factories import ssh_match
from auth.support import bearer, enrolled, principal, session
from fastapi.testclient import TestClient

from api.app import create_app
from secops.alerts.service import write_alerts
from secops.alerts.suppressions import SuppressionIn, create_suppression
from secops.audit import (
    AuditEntry,
    BreakReason,
    HeldEntry,
    acknowledge_truncation,
    list_entries,
    record,
    verify,
)
from secops.audit.anchor import ALERT_RULE_ID
from secops.audit.checkpoints import checkpoint_path
from secops.audit.held import HELD_KEY, held_count
from secops.audit.service import ACK_ACTION
from secops.cli.main import main
from secops.compliance import evaluate
from secops.context import Context, build_context
from secops.settings import Settings


def _write(ctx: Context, n: int) -> int:
    """``n`` entries; the head's seq."""
    entry = None
    for i in range(n):
        entry = record(ctx, actor="system:test", action="a", target=str(i), outcome="success")
    assert isinstance(entry, AuditEntry)
    return entry.seq


def _delete_newest_two(ctx: Context, head: int) -> None:
    for seq in (head - 1, head):
        ctx.es.delete(index=ctx.names.audit, id=str(seq), refresh=True)


@pytest.fixture
def restarted(settings: Settings) -> Iterator[Context]:
    """A writer started anew over the same state directory (its own client, no cached head)."""
    context = build_context(settings, apply_templates=False)
    yield context
    context.close()


def _truncation_alerts(ctx: Context) -> list[dict]:
    ctx.es.indices.refresh(index=ctx.names.alerts)
    hits = ctx.es.search(index=ctx.names.alerts, query={"term": {"rule.id": ALERT_RULE_ID}})
    return [h["_source"] for h in hits["hits"]["hits"]]


def _all_entries(ctx: Context) -> list[AuditEntry]:
    ctx.es.indices.refresh(index=ctx.names.audit)
    return sorted(list_entries(ctx, limit=500).entries, key=lambda e: e.seq)


def test_verification_and_the_control_name_the_deleted_seqs(ctx: Context) -> None:
    head = _write(ctx, 6)
    _delete_newest_two(ctx, head)

    report = verify(ctx)
    assert not report.intact
    assert report.reason == BreakReason.truncated
    assert report.missing_seqs is not None
    assert report.missing_seqs.seqs == [head - 1, head]
    assert report.head_seq == head - 2
    assert report.checkpoint is not None
    assert report.checkpoint.seq == head
    assert f"seqs {head - 1} to {head} are missing" in (report.detail or "")

    [control] = [r for r in evaluate(ctx).results if r.control_id == "SEC-AUDIT-01"]
    assert control.status == "fail"
    assert control.evidence["reason"] == "truncated"
    assert control.evidence["missing"] == [head - 1, head]
    assert control.evidence["checkpoint"]["seq"] == head
    assert f"seqs {head - 1} to {head} are missing" in control.summary
    # The control's look made this process's writer see it too: alerted, appends held.
    assert control.evidence["appends_held"] is True
    assert [a["severity"] for a in _truncation_alerts(ctx)] == ["critical"]


def test_a_restarted_writer_alerts_and_holds_appends_until_an_admin_acknowledges(
    ctx: Context, restarted: Context
) -> None:
    head = _write(ctx, 5)
    _delete_newest_two(ctx, head)
    assert _truncation_alerts(ctx) == []

    held = record(restarted, actor="system:test", action="after", target="1", outcome="success")
    assert isinstance(held, HeldEntry)
    assert f"seqs {head - 1} to {head} are missing" in held.reason
    assert verify(restarted).head_seq == head - 2  # nothing appended on the shortened chain
    [alert] = _truncation_alerts(ctx)
    assert (alert["severity"], alert["status"]) == ("critical", "new")
    assert alert["rule"]["title"] == "Audit trail truncated"

    with TestClient(create_app(restarted.settings, context=restarted)) as client:
        operator = principal(restarted, "oscar", "soc_operator")
        queue = client.get("/api/v1/alerts", params={"rule_id": ALERT_RULE_ID}, headers=operator)
        assert queue.status_code == 200
        assert queue.json()["total"] == 1

        state = client.get(
            "/api/v1/audit/truncation", headers=principal(restarted, "ann", "auditor")
        )
        assert state.json()["truncation"]["missing"] == {"first": head - 1, "last": head}
        held_before = state.json()["held_entries"]
        assert held_before >= 3  # the action above and the accounts created since

        body = {"reason": "restored from backup is impossible; incident INC-42 opened"}
        url = "/api/v1/audit/truncation/acknowledge"
        stale = principal(restarted, "stale", "admin", mfa_age=600)
        assert client.post(url, json=body, headers=stale).status_code == 403
        auditor = principal(restarted, "audrey", "auditor")
        assert client.post(url, json=body, headers=auditor).status_code == 403
        assert record(restarted, actor="x", action="still", target=None, outcome="success").held

        admin = principal(restarted, "adam", "admin")
        answer = client.post(url, json=body, headers=admin)
        assert answer.status_code == 200, answer.text
        done = answer.json()
        assert done["truncation"]["missing"] == {"first": head - 1, "last": head}
        assert done["entry"]["seq"] == head - 1  # the first entry on the new base
        assert done["held_appended"] >= held_before + 1
        assert client.post(url, json=body, headers=admin).status_code == 409  # nothing left

    after = record(restarted, actor="system:test", action="resumed", target=None, outcome="success")
    assert isinstance(after, AuditEntry)
    assert held_count(restarted.settings) == 0
    report = verify(restarted)
    assert report.intact, report.detail
    assert report.head_seq == after.seq

    entries = _all_entries(restarted)
    ack = entries[head - 2]
    assert (ack.seq, ack.action, ack.actor.name) == (head - 1, ACK_ACTION, "adam")
    assert ack.details["truncation"]["missing"] == {"first": head - 1, "last": head}
    assert ack.details["new_base"]["seq"] == head - 2
    released = [e for e in entries if HELD_KEY in e.details]
    assert released[0].action == "after"  # in the order they were held
    assert all(e.details[HELD_KEY]["signature_valid"] for e in released)
    assert all(e.seq > ack.seq for e in released)

    base = json.loads(checkpoint_path(restarted.settings).read_text().splitlines()[-1])
    assert base["seq"] == after.seq  # appends resumed, each checkpointed
    lines = [json.loads(t) for t in checkpoint_path(restarted.settings).read_text().splitlines()]
    [rebase] = [line for line in lines if line["kind"] == "base"]
    assert (rebase["seq"], rebase["acknowledged"]["by"]) == (head - 2, "user:adam")
    assert rebase["acknowledged"]["previous_seq"] == head
    assert rebase["acknowledged"]["missing"] == {"first": head - 1, "last": head}


def test_an_acknowledgement_by_another_process_releases_a_blocked_writer(
    ctx: Context, restarted: Context
) -> None:
    head = _write(ctx, 4)
    _delete_newest_two(ctx, head)
    assert isinstance(
        record(restarted, actor="t", action="a", target=None, outcome="ok"), HeldEntry
    )

    other = build_context(restarted.settings, apply_templates=False)
    try:
        acknowledge_truncation(other, actor="system:test", reason="accepted", via="test")
    finally:
        other.close()
    entry = record(restarted, actor="t", action="b", target=None, outcome="ok")
    assert isinstance(entry, AuditEntry)
    assert verify(restarted).intact


def test_cli_acknowledgement_needs_an_admin_totp_code(
    cli_ctx: Context, cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    alice = enrolled(cli_ctx, "alice", ["admin"])
    enrolled(cli_ctx, "bob", ["auditor"])
    head = _write(cli_ctx, 3)
    _delete_newest_two(cli_ctx, head)
    argv = ["audit", "acknowledge-truncation", "--reason", "accepted after review"]

    assert main([*argv, "--admin", "alice", "--code", "000000"]) != 0
    assert main([*argv, "--admin", "bob", "--code", "123456"]) != 0
    assert main(["audit", "verify"]) == 1
    capsys.readouterr()

    assert main([*argv, "--admin", "alice", "--code", alice.next_code()]) == 0
    assert "held entries appended" in capsys.readouterr().out
    assert main(["audit", "verify"]) == 0
    entries = _all_entries(cli_ctx)
    [ack] = [e for e in entries if e.action == ACK_ACTION and e.outcome == "success"]
    assert (ack.actor.name, ack.outcome) == ("alice", "success")
    assert ack.details["via"].startswith("cli:")
    # The refused attempts were recorded too (held, then appended after the acknowledgement).
    failures = [e for e in entries if e.action == ACK_ACTION and e.outcome == "failure"]
    assert {e.target for e in failures} == {"alice", "bob"}


def test_step_up_session_of_an_admin_is_what_the_api_wants(
    ctx: Context, client: TestClient
) -> None:
    # Not truncated: an admin with a fresh TOTP proof gets 409, not a silent success.
    enrolled(ctx, "adam", ["admin"])
    tokens = session(ctx, "adam")
    answer = client.post(
        "/api/v1/audit/truncation/acknowledge",
        json={"reason": "x"},
        headers=bearer(tokens.access_token),
    )
    assert answer.status_code == 409
    assert "not truncated" in answer.json()["detail"]


def test_a_chain_cut_and_grown_again_is_caught_at_the_checkpoint_seq(
    ctx: Context, settings: Settings, tmp_path: Path
) -> None:
    head = _write(ctx, 4)
    ctx.es.delete(index=ctx.names.audit, id=str(head), refresh=True)
    # A writer elsewhere (no checkpoint of its own) fills the deleted seq with another entry.
    elsewhere = settings.model_copy(update={"state_dir": tmp_path / "elsewhere"})
    with build_context(elsewhere, apply_templates=False) as other:
        filler = record(other, actor="system:test", action="filler", target=None, outcome="ok")
    assert isinstance(filler, AuditEntry)
    assert filler.seq == head

    report = verify(ctx)
    assert (report.intact, report.reason, report.first_broken_seq) == (
        False,
        BreakReason.altered,
        head,
    )
    assert "rewritten" in (report.detail or "")
    with build_context(settings, apply_templates=False) as restarted:
        held = record(restarted, actor="t", action="b", target=None, outcome="ok")
    assert isinstance(held, HeldEntry)
    assert "rewritten" in held.reason


def test_no_suppression_silences_the_truncation_alert(ctx: Context, restarted: Context) -> None:
    """Whoever could cut the trail could also have silenced every alert beforehand."""
    everything = SuppressionIn(reason="planned outage of the SIEM feed", all_alerts=True)
    create_suppression(ctx, spec=everything, author="mallory")
    assert write_alerts(ctx, [ssh_match(1)]).suppressed == 1  # the suppression is in force

    head = _write(ctx, 3)
    _delete_newest_two(ctx, head)
    assert record(restarted, actor="system:test", action="x", target=None, outcome="success").held
    [alert] = _truncation_alerts(ctx)
    assert alert["severity"] == "critical"
