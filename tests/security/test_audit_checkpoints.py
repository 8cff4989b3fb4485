"""The checkpoint file is evidence too: a line that does not verify is reported, never trusted;
a line torn by a crash is tolerated; copies leave through syslog; signed reports carry it."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from polling import wait_until

from secops.audit import AuditEntry, BreakReason, HeldEntry, record, signing_key, verify
from secops.audit.anchor import ALERT_RULE_ID
from secops.audit.checkpoints import checkpoint_path, make_checkpoint
from secops.audit.forward import forwarder
from secops.audit.keys import derive_private_key
from secops.audit.signed_lines import encode, line_signature_valid
from secops.compliance.reports import generate_report, verify_report
from secops.context import Context, build_context


def _write(ctx: Context, n: int) -> int:
    entry = None
    for i in range(n):
        entry = record(ctx, actor="system:test", action="a", target=str(i), outcome="success")
    assert isinstance(entry, AuditEntry)
    return entry.seq


def _lines(path: Path) -> list[dict]:
    return [json.loads(t) for t in path.read_text().splitlines()]


def _rewrite(path: Path, lines: list[dict]) -> None:
    path.write_bytes(b"".join(encode(line) + b"\n" for line in lines))


def test_a_tampered_line_is_reported_and_not_trusted(ctx: Context) -> None:
    head = _write(ctx, 4)
    path = checkpoint_path(ctx.settings)
    lines = _lines(path)
    assert [line["seq"] for line in lines] == [1, 2, 3, 4]
    # An intruder who deleted seq 4 in Elasticsearch lowers the last checkpoint to match.
    ctx.es.delete(index=ctx.names.audit, id=str(head), refresh=True)
    lines[-1].update(seq=head - 1, hash=lines[-2]["hash"])
    _rewrite(path, lines)

    report = verify(ctx)
    assert not report.intact
    assert report.reason == BreakReason.checkpoint_invalid
    [problem] = report.checkpoint_problems
    assert (problem.line, problem.reason) == (4, "bad_signature")
    assert report.checkpoint is not None
    assert report.checkpoint.line == 3  # the latest line that verifies


def test_a_forged_line_claiming_a_longer_chain_blocks_nothing(ctx: Context) -> None:
    _write(ctx, 3)
    path = checkpoint_path(ctx.settings)
    forged = make_checkpoint(
        derive_private_key("attacker"), namespace=ctx.settings.namespace, seq=99, hash="a" * 64
    )
    with path.open("ab") as f:
        f.write(encode(forged) + b"\n")

    report = verify(ctx)
    assert report.reason == BreakReason.checkpoint_invalid
    assert report.missing_seqs is None  # the forged seq 99 is not believed
    assert [p.reason for p in report.checkpoint_problems] == ["bad_signature"]
    restarted = build_context(ctx.settings, apply_templates=False)
    try:
        assert isinstance(
            record(restarted, actor="t", action="b", target=None, outcome="ok"), AuditEntry
        )
    finally:
        restarted.close()


def test_a_torn_last_line_is_skipped_then_cut_by_the_next_append(ctx: Context) -> None:
    _write(ctx, 2)
    path = checkpoint_path(ctx.settings)
    with path.open("ab") as f:
        f.write(b'{"format":"secops.audit-checkpoint/1","kind":"head","seq":3,"ha')  # crash

    report = verify(ctx)
    assert report.intact, report.detail
    assert report.checkpoint is not None
    assert report.checkpoint.seq == 2
    assert report.checkpoint_problems == []

    restarted = build_context(ctx.settings, apply_templates=False)
    try:
        entry = record(restarted, actor="t", action="b", target=None, outcome="ok")
    finally:
        restarted.close()
    assert isinstance(entry, AuditEntry)
    assert [line["seq"] for line in _lines(path)] == [1, 2, 3]
    assert verify(ctx).intact


def test_every_line_is_signed_with_the_trail_key(ctx: Context) -> None:
    _write(ctx, 3)
    public = signing_key(ctx.settings).public_key()
    lines = _lines(checkpoint_path(ctx.settings))
    assert all(line_signature_valid(line, public) for line in lines)
    assert all(line["namespace"] == ctx.settings.namespace for line in lines)
    assert {line["kind"] for line in lines} == {"head"}


@pytest.fixture
def syslog_server() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(10)
    yield sock
    sock.close()


def _received(sock: socket.socket, count: int) -> list[str]:
    out = []
    while len(out) < count:
        out.append(sock.recv(65536).decode())
    return out


def test_checkpoints_and_the_truncation_alert_leave_through_syslog(
    ctx: Context, syslog_server: socket.socket
) -> None:
    port = syslog_server.getsockname()[1]
    settings = ctx.settings.model_copy(
        update={"notify_syslog_host": "127.0.0.1", "notify_syslog_port": port}
    )
    with build_context(settings, apply_templates=False) as writer:
        head = _write(writer, 3)
        messages = _received(syslog_server, 3)
        assert all(" secops - audit-checkpoint " in m for m in messages)
        public = signing_key(settings).public_key()
        copies = [json.loads(m.split("\ufeff", 1)[1]) for m in messages]
        assert sorted(c["seq"] for c in copies) == [1, 2, 3]
        assert all(line_signature_valid(c, public) for c in copies)
        dispatcher = forwarder(settings)
        assert dispatcher is not None
        # The counter moves just after the datagram leaves: wait for it, do not race it.
        wait_until(
            lambda: dispatcher.stats["syslog-audit-checkpoint"].sent >= 3,
            timeout=10,
            what="the checkpoint channel to count three sends",
        )

    ctx.es.delete(index=ctx.names.audit, id=str(head), refresh=True)
    with build_context(settings, apply_templates=False) as restarted:
        held = record(restarted, actor="t", action="b", target=None, outcome="ok")
    assert isinstance(held, HeldEntry)
    [alert] = [m for m in _received(syslog_server, 1) if " secops - alert " in m]
    assert alert.startswith("<130>1 ")  # local0.critical
    assert ALERT_RULE_ID in alert
    assert "Audit trail truncated" in alert


def test_signed_reports_carry_the_latest_checkpoint(ctx: Context) -> None:
    head = _write(ctx, 3)
    now = datetime.now(UTC)
    report = generate_report(
        ctx, period_start=now - timedelta(days=1), period_end=now, now=now, evaluate_first=False
    )
    trail = report.document["audit_trail"]
    assert trail["checkpoint"]["seq"] == head
    assert trail["checkpoint"]["kind"] == "head"
    assert line_signature_valid(trail["checkpoint"], signing_key(ctx.settings).public_key())
    assert verify_report(report.document, ctx=ctx).intact
