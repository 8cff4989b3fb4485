"""Done-when of the period reports: half a year seeded through the pipeline and the services,
the half-year report signed, and every indicator checked against the plan that was seeded."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from halfyear import (
    PERIOD,
    PORTALS,
    PREVIOUS,
    UNREGISTERED,
    VPN,
    Plan,
    plan,
    seed,
    write_broken_rules,
    write_register,
)
from rendering.rendering_support import PERSIAN_TITLE, pdf_text, plain

from secops.compliance.indicators import load_targets, status_of
from secops.compliance.period_report import sign_period_report
from secops.compliance.rendering.service import publish, rendering, verify_file
from secops.compliance.reports import verify_report
from secops.context import Context, build_context
from secops.rules.catalog import load_catalog
from secops.rules.service import disable_rule
from secops.settings import Settings

HOUR = 3600.0


@pytest.fixture
def half_ctx(settings: Settings, tmp_path: Path) -> Iterator[Context]:
    """The test's namespace with a register of sources and a directory holding a broken rule."""
    ours = settings.model_copy(
        update={
            "sources_register_file": write_register(tmp_path),
            "rule_dirs": [write_broken_rules(tmp_path)],
        }
    )
    context = build_context(ours)
    yield context
    context.close()


def _in(at: datetime | None, start: datetime, end: datetime) -> bool:
    return at is not None and start <= at < end


def _rank(values: list[float], share: float) -> float | None:
    if not values:
        return None
    return sorted(values)[math.ceil(share * len(values)) - 1]


def expected_figures(p: Plan, *, previous: bool) -> dict[tuple[str, str | None], Any]:
    """What the plan says each figure of the period (or of the one before) is."""
    period = PREVIOUS if previous else PERIOD
    start, end = period.start.astimezone(UTC), period.end.astimezone(UTC)
    systems = {"vpn": [VPN], "portal": list(PORTALS), "evoting": []}
    names = {"vpn": "vpn", "portal": "portal", "evoting": "evoting"}
    unregistered = "file/laptop7/notes.log"
    f: dict[tuple[str, str | None], Any] = {}
    evals = sorted(p.evaluations)

    def dropped_until(limit: datetime, sources: list[Any]) -> int:
        last = max((e for e in evals if e < limit), default=None)
        return sum(n for s, at, n in p.drops if s in sources and last is not None and at <= last)

    rows = {**{names[k]: v for k, v in systems.items()}, unregistered: [UNREGISTERED]}
    for name, sources in rows.items():
        recs = [r for r in p.records if r.source in sources and _in(r.at, start, end)]
        dropped = dropped_until(end, sources) - dropped_until(start, sources)
        f[("records_stored", name)] = len(recs)
        f[("records_unparsed", name)] = sum(r.unparsed for r in recs)
        f[("records_dead_lettered", name)] = 0
        f[("records_dropped", name)] = dropped
        f[("records_received", name)] = len(recs) + dropped
    for what in ("stored", "unparsed", "dead_lettered", "dropped", "received"):
        f[(f"records_{what}", None)] = sum(f[(f"records_{what}", n)] for n in rows)
    f[("records_unparsed_ratio", None)] = (
        f[("records_unparsed", None)] / f[("records_stored", None)]
    )
    alerts = [a for a in p.alerts if _in(a.created, start, end)]
    f[("alerts_total", None)] = len(alerts)
    for level in ("informational", "low", "medium", "high", "critical"):
        f[("alerts_by_severity", level)] = sum(a.rule.level == level for a in alerts)
    tactics: Counter[str] = Counter()
    for a in alerts:
        names_ = [
            t.split(".", 1)[1] for t in a.rule.tags if t.startswith("attack.") and t[7:8] != "t"
        ] or ["none"]
        tactics.update(set(names_))
    for tactic, n in tactics.items():
        f[("alerts_by_tactic", tactic)] = n
    f[("alerts_by_confidentiality", "confidential")] = sum(a.confidential for a in alerts)
    f[("alerts_by_confidentiality", "other")] = sum(not a.confidential for a in alerts)
    f[("confidentiality_incidents_confirmed", None)] = sum(
        a.confidential and _in(a.resolved, start, end) and a.resolution == "true_positive"
        for a in alerts
    )
    tta, ttr, breaches, triaged = [], [], 0, 0
    for a in alerts:
        acked = a.acknowledged if _in(a.acknowledged, start, end) else None
        resolved = a.resolved if _in(a.resolved, start, end) else None
        if acked is not None:
            triaged += 1
            tta.append((acked - a.created).total_seconds())
        if resolved is not None:
            ttr.append((resolved - a.created).total_seconds())
        if (acked is not None and acked > a.sla_due) or (acked is None and a.sla_due < end):
            breaches += 1
    f[("time_to_acknowledge_median_seconds", None)] = _rank(tta, 0.5)
    f[("time_to_acknowledge_p90_seconds", None)] = _rank(tta, 0.9)
    f[("time_to_resolve_median_seconds", None)] = _rank(ttr, 0.5)
    f[("time_to_resolve_p90_seconds", None)] = _rank(ttr, 0.9)
    f[("sla_breaches", None)] = breaches
    f[("alerts_triaged_ratio", None)] = triaged / len(alerts)
    return f


def _by_key(document: dict[str, Any]) -> dict[tuple[str, str | None], dict[str, Any]]:
    return {(i["id"], i["key"]): i for i in document["indicators"]}


def test_half_year_report_states_what_was_seeded(half_ctx: Context, tmp_path: Path) -> None:
    ctx = half_ctx
    p = plan()
    seed(ctx, p)
    catalog = load_catalog(ctx.settings)
    disabled = catalog.ruleset.rules[0].meta.id
    disable_rule(ctx, rule_id=disabled, actor="system:test", reason="noisy this season")

    report, created = sign_period_report(ctx, PERIOD, actor="system:test")
    assert created
    doc = report.document
    assert verify_report(doc, ctx=ctx).intact
    assert doc["format"] == "secops.compliance-report/2"
    assert doc["period"]["label"] == "1404-H2"
    assert doc["period"]["start"] == "2025-09-23T00:00:00+03:30"
    assert doc["period"]["end"] == "2026-03-21T00:00:00+03:30"
    assert doc["previous_period"]["label"] == "1404-H1"

    got = _by_key(doc)
    current = expected_figures(p, previous=False)
    before = expected_figures(p, previous=True)
    targets = load_targets(None)
    for key, value in current.items():
        indicator = got.pop(key)
        assert indicator["value"] == pytest.approx(value), key
        prev = before.get(key, 0)  # a tactic the previous period never saw: 0 alerts
        assert indicator["previous"] == pytest.approx(prev), key
        if value is not None and prev is not None:
            assert indicator["change"] == pytest.approx(value - prev), key
        target = targets.get(f"{key[0]}:{key[1]}", targets.get(key[0]))
        assert indicator["target"] == target, key
        assert indicator["status"] == status_of(value, target, indicator["better"]), key

    # The systems: silent, never connected, unregistered, each named.
    systems = {s["name"]: s for s in doc["systems"]}
    assert [s["name"] for s in doc["systems"]][:3] == ["vpn", "portal", "evoting"]
    assert systems["vpn"]["state"] == "silent"
    assert systems["evoting"]["state"] == "never_connected"
    assert systems["portal"]["state"] == "reporting"
    assert systems["file/laptop7/notes.log"]["state"] == "unregistered"
    assert systems["vpn"]["owner"] == "Network unit"
    vpn_gap = _longest_gap(p, [VPN])
    assert vpn_gap - 2 * HOUR <= systems["vpn"]["longest_silence_seconds"] <= vpn_gap
    assert vpn_gap > 4 * 24 * HOUR
    for ident, n in (
        ("systems_silent", 1),
        ("systems_never_connected", 1),
        ("systems_unregistered", 1),
        ("systems_registered", 3),
    ):
        assert got.pop((ident, None))["value"] == n, ident

    # The account without MFA made SEC-IAM-01 fail from its first evaluation after the
    # account appeared to the first after it was disabled.
    controls = {c["id"]: c for c in doc["controls"]}
    iam = controls["SEC-IAM-01"]
    failed_from = min(e for e in p.evaluations if e > p.bob_created)
    failed_to = min(e for e in p.evaluations if e > p.bob_disabled)
    assert iam["failing_seconds"] == (failed_to - failed_from).total_seconds()
    assert [s["status"] for s in iam["timeline"]] == ["pass", "fail", "pass"]
    assert iam["timeline"][0]["start"] == doc["period"]["start"]
    assert iam["timeline"][-1]["end"] == doc["period"]["end"]
    assert iam["status"] == "pass"
    assert got.pop(("control_failing_seconds", "SEC-IAM-01"))["value"] == iam["failing_seconds"]
    for c in doc["controls"]:
        if c["id"] != "SEC-IAM-01":
            failing = got.pop(("control_failing_seconds", c["id"]))
            assert failing["value"] == c["failing_seconds"]
            assert failing["value"] == sum(
                (_t(s["end"]) - _t(s["start"])).total_seconds()
                for s in c["timeline"]
                if s["status"] in ("fail", "error")
            )
    failing_at_end = sum(c["status"] in ("fail", "error") for c in doc["controls"])
    assert got.pop(("controls_failing_at_end", None))["value"] == failing_at_end
    assert controls["SEC-DET-01"]["status"] == "fail"  # the broken rule
    assert controls["SEC-LOG-01"]["status"] == "fail"  # evoting never sent anything
    assert got.pop(("mfa_coverage_ratio", None))["value"] == 1.0

    # Rules, audit, retention as they stand at signing.
    total = len(catalog.ruleset.rules) + len(catalog.correlations)
    assert got.pop(("rules_active", None))["value"] == total - 1
    assert got.pop(("rules_disabled", None))["value"] == 1
    assert got.pop(("rules_unsupported", None))["value"] == 1
    assert got.pop(("audit_trail_intact", None))["value"] == 1
    # The audit entries of the seeding are stamped when written, after the period.
    assert got.pop(("audit_entries", None))["value"] == 0
    assert doc["audit_trail"]["intact"] is True
    assert got.pop(("retention_days", None))["value"] == ctx.settings.retention_days
    assert not got, f"indicators the test does not check: {sorted(got)}"

    # Series for the charts.
    series = doc["series"]
    weeks = series["alerts_per_week"]
    assert sum(w["count"] for w in weeks) == current[("alerts_total", None)]
    assert all(datetime.fromisoformat(w["week_start"]).weekday() == 5 for w in weeks)
    assert weeks[0]["week_start"] <= "2025-09-23" < weeks[1]["week_start"]
    assert series["alerts_by_severity"] == {
        lvl: current[("alerts_by_severity", lvl)]
        for lvl in ("informational", "low", "medium", "high", "critical")
    }

    # What the board reads: the Persian PDF names the report and its Solar Hijri half-year;
    # the manifest signed beside the report lists it, and one changed byte is refused.
    manifest = publish(ctx, report_id=report.report_id, actor="system:test")
    _, pdf = rendering(ctx, report_id=report.report_id, kind="pdf", lang="fa", actor="system:test")
    text = pdf_text(pdf, tmp_path)
    assert plain(PERSIAN_TITLE) in text
    assert plain("نیمۀ دوم سال ۱۴۰۴") in text
    assert verify_file(pdf, ctx=ctx).intact
    altered = bytearray(pdf)
    altered[len(altered) // 2] ^= 0x01
    refused = verify_file(bytes(altered), manifest=manifest, ctx=ctx)
    assert (refused.intact, refused.reason) == (False, "not_in_manifest")


def _t(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _longest_gap(p: Plan, sources: list[Any]) -> float:
    start, end = PERIOD.start.astimezone(UTC), PERIOD.end.astimezone(UTC)
    times = sorted(r.at for r in p.records if r.source in sources and _in(r.at, start, end))
    edges = [start, *times, end]
    return max((b - a).total_seconds() for a, b in itertools.pairwise(edges))


def test_the_plan_is_the_same_every_time() -> None:
    a, b = plan(), plan()
    assert [(r.source, r.at) for r in a.records] == [(r.source, r.at) for r in b.records]
    assert len(a.records) > 1500
    assert timedelta(0) < a.bob_disabled - a.bob_created
