"""Evaluation of every control against a real namespace with known gaps."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from compliance_support import build_world, by_id

from secops.compliance import compliance_status, evaluate
from secops.compliance.checks import CHECKS
from secops.compliance.controls import builtin_controls, load_controls
from secops.compliance.models import ControlDef
from secops.compliance.service import control_history, run_id_of
from secops.context import Context
from secops.errors import ConfigError, NotFoundError


def test_gaps_fail_their_controls_with_evidence_naming_them(ctx: Context) -> None:
    world = build_world(ctx)
    status = by_id(evaluate(ctx))

    mfa = status["SEC-IAM-01"]
    assert mfa.status == "fail"
    assert mfa.evidence["without_mfa"] == ["bob"]
    assert "bob" in mfa.summary

    key = status["SEC-KEY-01"]
    assert key.status == "fail"
    assert [k["id"] for k in key.evidence["expired_active"]] == [world.expired_key_id]

    silent = status["SEC-LOG-01"]
    assert silent.status == "fail"
    assert [s["source"] for s in silent.evidence["silent"]] == [world.silent_source]
    assert silent.evidence["sources"] == 2

    sla = status["SEC-INC-01"]
    assert sla.status == "fail"
    assert [a["id"] for a in sla.evidence["overdue"]] == [world.overdue_alert_id]
    assert sla.evidence["overdue"][0]["severity"] == "critical"

    dropped = status["SEC-LOG-02"]
    assert dropped.status == "warn"
    assert dropped.evidence["dropped_since_previous_run"] == {world.silent_source: 2}

    for passing in ("SEC-AUDIT-01", "SEC-IAM-02", "SEC-KEY-02", "SEC-LOG-03", "SEC-DET-02"):
        assert status[passing].status == "pass", status[passing].summary
    assert status["SEC-AUDIT-01"].evidence["intact"] is True


def test_tampered_audit_trail_fails_at_the_altered_seq(ctx: Context) -> None:
    build_world(ctx)
    first = by_id(evaluate(ctx))["SEC-AUDIT-01"]
    assert first.status == "pass"
    head = first.evidence["head_seq"]
    assert head >= 3

    entry = ctx.es.get(index=ctx.names.audit, id="2")["_source"]
    entry["target"] = "someone-else"
    ctx.es.index(index=ctx.names.audit, id="2", document=entry, refresh=True)

    broken = by_id(evaluate(ctx))["SEC-AUDIT-01"]
    assert broken.status == "fail"
    assert broken.evidence["first_broken_seq"] == 2
    assert broken.evidence["reason"] == "altered"
    assert "seq 2" in broken.summary

    # Both runs are kept, newest first, each under its own run id.
    history = control_history(ctx, control_id="SEC-AUDIT-01")
    assert [r.status for r in history.results] == ["fail", "pass"]
    assert len({r.run_id for r in history.results}) == 2
    assert compliance_status(ctx).results[0].status == "fail"


def test_one_run_per_instant_and_counts_of_the_overall_status(ctx: Context) -> None:
    now = datetime.now(UTC)
    evaluate(ctx, now=now)
    status = evaluate(ctx, now=now)  # the same instant: replaced, not duplicated
    assert status.run_id == run_id_of(now)
    assert sum(status.counts.values()) == len(builtin_controls())
    ctx.es.indices.refresh(index=ctx.names.index("compliance"))
    assert ctx.es.count(index=ctx.names.index("compliance"))["count"] == len(builtin_controls())
    assert compliance_status(ctx).run_id == status.run_id


def test_a_check_that_raises_is_an_error_not_a_crash(ctx: Context) -> None:
    broken = ControlDef(
        id="SEC-TEST-01",
        title="Broken parameters",
        description="Parameters the check refuses",
        severity="low",
        check="apikeys_rotated",
        params={"max_age_days": "never"},
    )
    fine = builtin_controls()[0]
    status = evaluate(ctx, controls=[broken, fine])
    results = by_id(status)
    assert results["SEC-TEST-01"].status == "error"
    assert "ValidationError" in results["SEC-TEST-01"].evidence["error"]
    assert results[fine.id].status == "pass"
    assert status.status == "error"


def test_controls_file_is_valid_and_closed() -> None:
    controls, errors = load_controls(collect_errors=True)
    assert errors == []
    assert {c.check for c in controls} <= set(CHECKS)
    assert len({c.id for c in controls}) == len(controls)
    refs = {r.control for c in controls for r in c.references}
    assert {"A.5.15", "A.5.17", "A.8.2", "A.8.5", "A.8.15", "A.8.16", "A.5.28"} <= refs


def test_a_check_named_by_a_dotted_path_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "controls.yml"
    path.write_text(
        "- {id: SEC-X-01, title: Evil, description: imports code, severity: low,"
        " check: os.system, params: {}}\n"
        "- {id: SEC-X-02, title: Bad, description: bad params, severity: low,"
        " check: apikeys_rotated, params: {max_age_days: 0}}\n"
    )
    with pytest.raises(ConfigError, match=r"unknown check 'os\.system'"):
        load_controls(path)
    controls, errors = load_controls(path, collect_errors=True)
    assert controls == []
    assert [e.where for e in errors] == [f"{path}[0] SEC-X-01", f"{path}[1] SEC-X-02"]


def test_history_of_unknown_control_is_not_found(ctx: Context) -> None:
    with pytest.raises(NotFoundError):
        control_history(ctx, control_id="SEC-NONE-99")
