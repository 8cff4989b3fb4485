"""The pure parts of period reports: register, targets, indicator status, control timelines,
and the document model."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from secops.compliance.indicators import CATALOGUE, build_indicators, load_targets, status_of
from secops.compliance.models import ControlDef, ControlResult
from secops.compliance.register import load_register
from secops.compliance.report_model import ReportDocument
from secops.compliance.reports import verify_report
from secops.compliance.timeline import control_row, segments
from secops.errors import ConfigError
from secops.settings import Settings

HERE = Path(__file__).parent
REPO = HERE.parents[1]
START = datetime(2025, 9, 22, 20, 30, tzinfo=UTC)
END = START + timedelta(days=10)


def test_register_matches_sources_by_input_host_pattern_and_application(tmp_path: Path) -> None:
    path = tmp_path / "r.yml"
    path.write_text(
        "systems:\n"
        "  - {name: dms, owner: IT, criticality: critical, input: syslog-tls,\n"
        "     host: 'dms-*', application: dms, format: parliament.dms, max_silence_hours: 4}\n"
        "  - {name: mail, owner: IT, criticality: high, input: syslog-tcp, format: syslog,\n"
        "     max_silence_hours: 24}\n"
    )
    register = load_register(path)
    assert register.system_of("syslog-tls", "dms-02", "dms").name == "dms"  # type: ignore[union-attr]
    assert register.system_of("syslog-tls", "dms-02", "other") is None
    assert register.system_of("syslog-tcp", "dms-02", "dms").name == "mail"  # type: ignore[union-attr]
    assert register.system_of("http", "dms-02", "dms") is None
    assert load_register(None).systems == []


def test_the_documented_example_register_loads() -> None:
    register = load_register(REPO / "secops" / "compliance" / "sources.example.yml")
    assert {s.criticality for s in register.systems} <= {"critical", "high", "medium", "low"}
    assert len(register.systems) >= 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "systems: [{name: a, owner: o, criticality: high, input: pigeon, format: syslog, "
            "max_silence_hours: 1}]",
            "pigeon",
        ),
        (
            "systems: [{name: a, owner: o, criticality: urgent, input: http, format: syslog, "
            "max_silence_hours: 1}]",
            "criticality",
        ),
        (
            "systems: [{name: a, owner: o, criticality: high, input: http, format: syslog}]",
            "max_silence_hours",
        ),
        (
            "systems: [{name: a, owner: o, criticality: high, input: http, format: syslog, "
            "max_silence_hours: 1, colour: red}]",
            "colour",
        ),
        (
            "systems:\n  - {name: a, owner: o, criticality: high, input: http, format: syslog, "
            "max_silence_hours: 1}\n  - {name: a, owner: p, criticality: low, input: file, "
            "format: json, max_silence_hours: 2}",
            "twice",
        ),
        (
            "systems: [{name: a, owner: o, criticality: high, input: http, format: morse, "
            "max_silence_hours: 1}]",
            "morse",
        ),
        ("systems: [unclosed", "cannot read"),
    ],
)
def test_a_bad_register_is_refused_with_its_reason(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "r.yml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        load_register(path)
    assert info.value.where == str(path)


def test_targets_of_a_file_replace_the_built_in_ones(tmp_path: Path) -> None:
    builtin = load_targets(None)
    assert set(builtin) <= set(CATALOGUE)
    path = tmp_path / "t.yml"
    path.write_text("sla_breaches: 3\nrecords_dropped: null\n'records_stored:vpn': 100\n")
    targets = load_targets(path)
    assert targets["sla_breaches"] == 3
    assert targets["records_dropped"] is None
    assert targets["records_stored:vpn"] == 100


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nonsense_indicator: 1", "unknown indicator"),
        ("sla_breaches: many", "number"),
        ("sla_breaches: true", "number"),
        ("- 1", "mapping"),
    ],
)
def test_bad_targets_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "t.yml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_targets(path)


def test_status_against_target_each_way() -> None:
    assert status_of(0.96, 0.95, "higher") == "met"
    assert status_of(0.94, 0.95, "higher") == "missed"
    assert status_of(3, 0, "lower") == "missed"
    assert status_of(0, 0, "lower") == "met"
    assert status_of(None, 0, "lower") == "none"
    assert status_of(5, None, "lower") == "none"


def test_indicators_carry_previous_and_change_and_a_missing_count_is_zero() -> None:
    current = {
        ("alerts_by_tactic", "exfiltration"): 4.0,
        ("sla_breaches", None): 2.0,
        ("time_to_acknowledge_median_seconds", None): 60.0,
    }
    previous = {("sla_breaches", None): 5.0}
    out = {(i.id, i.key): i for i in build_indicators(current, previous, {"sla_breaches": 0})}
    assert out[("alerts_by_tactic", "exfiltration")].previous == 0
    assert out[("alerts_by_tactic", "exfiltration")].change == 4
    assert out[("sla_breaches", None)].change == -3
    assert out[("sla_breaches", None)].status == "missed"
    assert out[("time_to_acknowledge_median_seconds", None)].previous is None
    assert out[("time_to_acknowledge_median_seconds", None)].change is None


CONTROL = ControlDef(
    id="SEC-T-01", title="Test", description="A test control", severity="high", check="x"
)


def result(status: str, at: datetime) -> ControlResult:
    return ControlResult(
        run_id=at.isoformat(),
        control_id=CONTROL.id,
        title="Test",
        severity="high",
        check="x",
        status=status,
        summary=f"{status} at {at}",
        evaluated_at=at,
        duration_ms=1.0,  # type: ignore[arg-type]
    )


def test_timeline_merges_runs_of_one_status_and_counts_failing_time() -> None:
    h = timedelta(hours=1)
    results = [
        result("pass", START + h),
        result("pass", START + 2 * h),
        result("fail", START + 3 * h),
        result("error", START + 5 * h),
        result("pass", START + 8 * h),
    ]
    row = control_row(CONTROL, results, start=START, end=END, before=None)
    assert [(s.status, s.start, s.end) for s in row.timeline] == [
        ("unknown", START, START + h),
        ("pass", START + h, START + 3 * h),
        ("fail", START + 3 * h, START + 5 * h),
        ("error", START + 5 * h, START + 8 * h),
        ("pass", START + 8 * h, END),
    ]
    assert row.failing_seconds == 5 * 3600
    assert row.status == "pass"
    assert row.runs == {"pass": 3, "warn": 0, "fail": 1, "error": 1}


def test_timeline_starts_in_the_state_before_the_period_and_ignores_later_runs() -> None:
    before = result("fail", START - timedelta(days=3))
    later = result("pass", END + timedelta(hours=1))
    row = control_row(CONTROL, [later], start=START, end=END, before=before)
    assert [(s.status, s.start, s.end) for s in row.timeline] == [("fail", START, END)]
    assert row.failing_seconds == (END - START).total_seconds()
    assert row.summary == before.summary
    assert segments([], start=START, end=END)[0].status == "unknown"


def test_a_signed_sample_document_fits_the_model() -> None:
    document = json.loads((HERE / "sample_report_v2.json").read_text(encoding="utf-8"))
    model = ReportDocument.model_validate(document)
    assert verify_report(document).intact  # signed, checked with the key it carries
    assert model.period.label == "1404-H2"
    assert {i.id for i in model.indicators} <= set(CATALOGUE)


def test_the_preservation_section_says_when_the_repository_is_not_registered(
    settings: Settings,
) -> None:
    from secops.compliance.preservation import preservation_section
    from secops.context import build_context

    ours = settings.model_copy(update={"archive_repository": f"absent-{settings.namespace}"})
    ctx = build_context(ours)
    try:
        section = preservation_section(ctx, now=datetime.now(UTC))
    finally:
        ctx.close()
    assert section.snapshot_repository == f"absent-{settings.namespace}"
    if "archive_error" in section.extra:
        # A node where secops may not read repositories: a refusal, not "unregistered".
        assert "cannot read the snapshot repository" in section.extra["archive_error"]
        assert "repository_registered" not in section.extra
    else:
        assert section.extra["repository_registered"] is False
