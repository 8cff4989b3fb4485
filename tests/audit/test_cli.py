"""`secops audit verify` and `secops audit export-key` against the real store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secops.audit import record
from secops.cli.main import main
from secops.context import Context


def test_verify_exits_0_when_intact_and_1_with_the_break(
    cli_ctx: Context, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(4):
        record(cli_ctx, actor="system:cli", action="a", target=str(i), outcome="success")
    assert main(["audit", "verify"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["intact"], report["head_seq"]) == (True, 4)

    cli_ctx.es.delete(index=cli_ctx.names.audit, id="3", refresh=True)
    assert main(["audit", "verify"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["reason"] == "missing"
    assert "BROKEN at seq 3" in captured.err


def test_exported_key_verifies_and_anchored_head_catches_truncation(
    cli_ctx: Context, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(3):
        record(cli_ctx, actor="system:cli", action="a", target=str(i), outcome="success")
    assert main(["audit", "export-key"]) == 0
    pem = tmp_path / "audit.pub"
    pem.write_text(capsys.readouterr().out)
    assert pem.read_text().startswith("-----BEGIN PUBLIC KEY-----")

    assert main(["audit", "verify", "--public-key", str(pem)]) == 0
    head = json.loads(capsys.readouterr().out)
    anchor = f"{head['head_seq']}:{head['head_hash']}"
    cli_ctx.es.delete(index=cli_ctx.names.audit, id="3", refresh=True)
    # The signed checkpoint in the state directory catches the truncation by itself.
    assert main(["audit", "verify", "--public-key", str(pem)]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["missing_seqs"] == {"first": 3, "last": 3}
    assert "seq 3 is missing" in captured.err
    assert main(["audit", "verify", "--public-key", str(pem), "--no-checkpoint"]) == 0
    assert main(["audit", "verify", "--public-key", str(pem), "--expect-head", anchor]) == 1
