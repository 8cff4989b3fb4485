"""Signed reports: generated from real data, verified online and offline, tampering caught."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from compliance_support import build_world

from secops.alerts.models import AlertChange
from secops.alerts.service import get_alert
from secops.alerts.triage import update_alert
from secops.audit import list_entries, public_key_pem, signing_key
from secops.audit.chain import seal
from secops.audit.keys import derive_private_key
from secops.cli.main import main
from secops.compliance import generate_report, verify_report
from secops.compliance.reports import get_report, list_reports
from secops.context import Context
from secops.settings import get_settings


def test_report_holds_the_period_and_verifies(cli_ctx: Context) -> None:
    ctx = cli_ctx
    world = build_world(ctx)
    update_alert(
        ctx,
        alert_id=world.overdue_alert_id,
        change=AlertChange(status="acknowledged", reason="on it"),
        version=get_alert(ctx, alert_id=world.overdue_alert_id).version,
        by="alice",
    )
    now = datetime.now(UTC)
    report = generate_report(
        ctx, period_start=now - timedelta(days=30), period_end=now, actor="system:test", now=now
    )
    doc = report.document
    controls = {c["id"]: c for c in doc["controls"]}
    assert controls["SEC-IAM-01"]["status"] == "fail"
    assert controls["SEC-IAM-01"]["evidence"]["without_mfa"] == ["bob"]
    assert doc["status"] == "fail"
    assert doc["alerts"]["by_severity"] == {"critical": 1}
    assert doc["alerts"]["by_status"] == {"acknowledged": 1}
    assert doc["alerts"]["mtta_seconds"] > 7000  # created two hours ago
    assert doc["sources"]["totals"]["received"] == 50
    assert doc["sources"]["totals"]["dropped"] == 2
    assert doc["audit_trail"]["intact"] is True
    assert doc["audit_trail"]["head_seq"] >= 3
    assert doc["rules"]["rules"] > 0

    # Offline with the embedded key, online with the deployment's key and the trail.
    assert verify_report(doc).intact
    online = verify_report(doc, ctx=ctx)
    assert online.intact
    assert online.key_source == "deployment"
    entry = list_entries(ctx, action="report.generate").entries[0]
    assert entry.target == report.report_id
    assert entry.details["hash"] == report.hash == online.hash
    assert online.audit_seq == entry.seq

    stored = get_report(ctx, report_id=report.report_id)
    assert stored.document == doc
    assert [r.report_id for r in list_reports(ctx)] == [report.report_id]


def test_altered_or_foreign_reports_fail(cli_ctx: Context) -> None:
    ctx = cli_ctx
    now = datetime.now(UTC)
    report = generate_report(ctx, period_start=now - timedelta(days=1), period_end=now)
    doc = report.document

    altered = json.loads(json.dumps(doc))
    altered["alerts"]["total"] += 1
    result = verify_report(altered)
    assert (result.intact, result.reason) == (False, "altered")

    other = derive_private_key("another deployment")
    result = verify_report(doc, public_key=public_key_pem(other.public_key()))
    assert (result.intact, result.reason) == (False, "wrong_key")

    # Re-signed by someone else with their key embedded: refused once its id is compared.
    forged = {k: v for k, v in doc.items() if k not in ("hash", "signature")}
    forged["public_key_pem"] = public_key_pem(other.public_key())
    forged = seal(forged, other)
    assert verify_report(forged).reason == "wrong_key"
    assert verify_report(forged, ctx=ctx).reason == "bad_signature"

    # Signed with our own key but never generated: the audit trail tells.
    key = signing_key(ctx.settings)
    body = {k: v for k, v in doc.items() if k not in ("hash", "signature")}
    unknown = seal({**body, "report_id": "rpt-unknown"}, key)
    assert verify_report(unknown).intact
    assert verify_report(unknown, ctx=ctx).reason == "not_in_audit_trail"
    rewritten = seal({**body, "status": "pass"}, key)
    assert verify_report(rewritten, ctx=ctx).reason == "audit_hash_mismatch"


def test_cli_generate_then_verify_exit_codes(
    cli_ctx: Context, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.json"
    assert main(["report", "generate", "--since", "30d", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["report", "verify", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["intact"] is True
    assert main(["report", "verify", str(out), "--online"]) == 0
    assert json.loads(capsys.readouterr().out)["audit_seq"] is not None

    key = tmp_path / "public.pem"
    assert main(["audit", "export-key"]) == 0
    key.write_text(capsys.readouterr().out)
    assert main(["report", "verify", str(out), "--public-key", str(key)]) == 0
    capsys.readouterr()

    # One byte changed: a digit of the generation time.
    raw = bytearray(out.read_bytes())
    at = raw.index(b'"generated_at": "') + len(b'"generated_at": "') + 3
    raw[at] = ord("0") if raw[at] != ord("0") else ord("1")
    tampered = tmp_path / "tampered.json"
    tampered.write_bytes(bytes(raw))
    assert main(["report", "verify", str(tampered)]) == 1
    assert "altered" in capsys.readouterr().err

    wrong = tmp_path / "wrong.pem"
    wrong.write_text(public_key_pem(derive_private_key("not ours").public_key()))
    assert main(["report", "verify", str(out), "--public-key", str(wrong)]) == 1
    assert "wrong_key" in capsys.readouterr().err

    broken = tmp_path / "broken.json"
    broken.write_bytes(out.read_bytes()[:-20])
    assert main(["report", "verify", str(broken)]) == 1


def test_offline_verification_needs_no_settings_nor_store(
    cli_ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    doc = generate_report(cli_ctx, period_start=now - timedelta(hours=1), period_end=now).document
    out = tmp_path / "r.json"
    out.write_text(json.dumps(doc))
    for name in ("SECOPS_DEV_MODE", "SECOPS_ES_URL", "SECOPS_AUDIT_SIGNING_KEY"):
        monkeypatch.delenv(name)
    get_settings.cache_clear()
    assert main(["report", "verify", str(out)]) == 0
