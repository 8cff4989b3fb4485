"""Sigma filters: compiled into the rules they name, counted, validated with file and line."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from sigma.filters import SigmaFilter

from secops.cli.main import main
from secops.detect.engine import DetectionEngine
from secops.detect.filters import apply_filters, filter_spec
from secops.detect.loader import load_rules
from secops.detect.mapping import FieldMapping
from secops.detect.ruleset import RuleSet
from secops.detect.validate import validate

from .helpers import SHARED, windows_event
from .tuning import BACKUP_FILTER, DELETE, DELETE_TWIN, event, fired, write


def test_a_filter_excludes_what_it_names_from_the_rules_it_names(tmp_path: Path) -> None:
    write(tmp_path, **{"a.yml": DELETE, "b.yml": DELETE_TWIN, "f.yml": BACKUP_FILTER})
    ruleset = load_rules([tmp_path])
    assert ruleset.errors == []
    (spec,) = ruleset.filters
    assert spec.applied_to == ("5b0c1f1e-1111-4111-8111-111111111111",)
    for evaluate_all in (False, True):
        engine = DetectionEngine(ruleset, evaluate_all=evaluate_all)
        assert fired(engine, event("backup_nightly")) == ["dms_delete_twin"]
        assert fired(engine, event("alice")) == ["dms_delete", "dms_delete_twin"]
        assert fired(engine, event("backup_nightly", action="read")) == []
        # Only the event the rule matched and the filter excluded counts.
        assert engine.drops.by_filter() == {spec.id: {"5b0c1f1e-1111-4111-8111-111111111111": 1}}


def test_the_rule_matcher_carries_its_filters(tmp_path: Path) -> None:
    """Every path that calls a rule's matcher (hunts, samples) sees the filter too."""
    write(tmp_path, **{"a.yml": DELETE, "f.yml": BACKUP_FILTER})
    (rule,) = load_rules([tmp_path]).rules
    assert rule.unfiltered is not None
    assert rule.unfiltered(event("backup_x"))
    assert not rule.matcher(event("backup_x"))
    assert rule.matcher(event("alice"))


def test_filters_with_any_apply_to_every_rule_of_their_logsource(tmp_path: Path) -> None:
    any_filter = BACKUP_FILTER.replace("rules:\n        - dms_delete", "rules: any")
    other = DELETE.replace("1111-4111-8111-111111111111", "3333-4333-8333-333333333333")
    other = other.replace("service: dms", "service: portal").replace("dms_delete", "portal_delete")
    write(tmp_path, **{"a.yml": DELETE, "b.yml": DELETE_TWIN, "c.yml": other, "f.yml": any_filter})
    ruleset = load_rules([tmp_path])
    assert ruleset.errors == []
    assert len(ruleset.filters[0].applied_to) == 2  # not the portal rule
    engine = DetectionEngine(ruleset)
    assert fired(engine, event("backup_nightly")) == []


def test_a_filter_naming_an_unknown_rule_is_reported_on_its_line(tmp_path: Path) -> None:
    text = BACKUP_FILTER.replace(
        "        - dms_delete\n", "        - dms_delete\n        - no_such\n"
    )
    write(tmp_path, **{"a.yml": DELETE, "f.yml": text})
    ruleset = load_rules([tmp_path])
    (error,) = ruleset.errors
    assert error.path == str(tmp_path / "f.yml")
    assert error.line == 7
    assert "'no_such'" in error.message
    assert "not loaded" in error.message
    # The rest loads: the rule, and the filter for the rule it names correctly.
    assert ruleset.filters[0].applied_to == ("5b0c1f1e-1111-4111-8111-111111111111",)
    assert fired(DetectionEngine(ruleset), event("backup_x")) == []


def test_a_filter_outside_the_rules_logsource_is_reported(tmp_path: Path) -> None:
    text = BACKUP_FILTER.replace("service: dms}", "service: portal}")
    write(tmp_path, **{"a.yml": DELETE, "f.yml": text})
    ruleset = load_rules([tmp_path])
    (error,) = ruleset.errors
    assert "outside the filter's" in error.message
    assert error.line == 6
    assert fired(DetectionEngine(ruleset), event("backup_x")) == ["dms_delete"]


def test_broken_filters_are_reported_with_line_and_the_rest_loads(tmp_path: Path) -> None:
    bad_modifier = BACKUP_FILTER.replace("|startswith", "|startswit")
    bad_condition = BACKUP_FILTER.replace("not known_good", "not known_bad").replace(
        "0000-4000-8000-000000000001", "0000-4000-8000-000000000002"
    )
    write(
        tmp_path,
        **{"a.yml": DELETE, "m.yml": bad_modifier, "c.yml": bad_condition, "y.yml": "filter: [\n"},
    )
    report = validate([tmp_path])
    assert report.loaded == 1
    by_file = {Path(e.path or "").name: e for e in report.errors}
    assert set(by_file) == {"m.yml", "c.yml", "y.yml"}
    assert "startswit" in by_file["m.yml"].message
    assert by_file["m.yml"].line == 8
    assert "known_bad" in by_file["c.yml"].message
    assert by_file["y.yml"].line == 2
    assert "YAML" in by_file["y.yml"].message
    assert any(line.startswith(f"{tmp_path / 'm.yml'}:8: ") for line in report.lines())


def test_validate_counts_filters(tmp_path: Path) -> None:
    write(tmp_path, **{"a.yml": DELETE, "f.yml": BACKUP_FILTER})
    report = validate([tmp_path])
    assert report.ok, str(report)
    assert report.filters == 1
    assert report.lines()[-1] == "1 rules loaded, 0 correlation rules, 0 rejected, 1 filters"


AUDITPOL_FILTER = r"""title: The administrators' audit policy runs
id: 0e0e0e0e-0000-4000-8000-00000000f117
logsource:
    product: windows
filter:
    rules: any
    admins_auditpol:
        Image|endswith: '\auditpol.exe'
    condition: not admins_auditpol
"""


def _otrf_events() -> list[dict[str, Any]]:
    events = []
    for path in sorted((SHARED / "samples" / "windows").glob("*.json.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            events.extend(windows_event(json.loads(line)) for line in lines)
    return events


def test_on_the_otrf_events_a_filter_drops_its_activity_and_nothing_else(
    sigmahq_rules: RuleSet,
) -> None:
    """SigmaHQ's Windows rules with a filter on all of them: only auditpol.exe matches go."""
    flt = SigmaFilter.from_yaml(AUDITPOL_FILTER)
    spec = filter_spec(flt, path="auditpol_filter.yml", line=1)
    rules, (applied,), errors = apply_filters(
        sigmahq_rules.rules, [spec], text_of={}, mapping=FieldMapping.load(), placeholders={}
    )
    assert errors == []
    windows = [r for r in sigmahq_rules.rules if r.meta.logsource.get("product") == "windows"]
    assert len(applied.applied_to) == len(windows)
    plain = DetectionEngine(sigmahq_rules)
    filtered = DetectionEngine(sigmahq_rules.subset(rules))
    removed = 0
    for i, ev in enumerate(_otrf_events()):
        before = {m.rule.id for m in plain.match(ev, str(i))}
        after = {m.rule.id for m in filtered.match(ev, str(i))}
        assert after <= before
        executable = str((ev.get("process") or {}).get("executable", "")).lower()
        if before - after:
            assert executable.endswith("\\auditpol.exe"), f"event {i} dropped: {executable}"
        elif not executable.endswith("\\auditpol.exe"):
            assert after == before
        removed += len(before - after)
    assert removed > 0  # the samples do hold auditpol runs that rules match
    assert sum(filtered.drops.snapshot().values()) == removed


def test_rules_validate_reports_a_bad_filter_and_exits_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = BACKUP_FILTER.replace("- dms_delete", "- dms_delet")
    write(tmp_path, **{"a.yml": DELETE, "f.yml": text})
    assert main(["rules", "validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path / 'f.yml'}:6: filter 'The backup account deletes old drafts' names" in out
    write(tmp_path, **{"f.yml": BACKUP_FILTER})
    assert main(["rules", "validate", str(tmp_path)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("0 rejected, 1 filters")


def test_the_line_of_a_bad_reference_in_the_second_document_of_a_file(tmp_path: Path) -> None:
    second = (
        "title: Nightly jobs\nlogsource: {product: parliament, service: dms}\n"
        "filter:\n    rules: [dms_delete, no_such]\n    job: {user.name: cron}\n"
        "    condition: not job\nid: 7a7a7a7a-0000-4000-8000-000000000009\n"
    )
    write(tmp_path, **{"a.yml": DELETE, "f.yml": BACKUP_FILTER + "---\n" + second})
    (error,) = load_rules([tmp_path]).errors
    assert error.line == 14  # `rules:` of the second document, above its id
    assert "'no_such'" in error.message


def test_a_filter_naming_a_correlation_rule_says_so(tmp_path: Path) -> None:
    correlation = (
        "title: Many deletions\nid: 5b0c1f1e-4444-4444-8444-444444444444\nname: many_deletes\n"
        "correlation:\n    type: event_count\n    rules: [dms_delete]\n"
        "    group-by: [user.name]\n    timespan: 10m\n    condition: {gte: 5}\n"
    )
    text = BACKUP_FILTER.replace("- dms_delete", "- many_deletes")
    write(tmp_path, **{"a.yml": DELETE, "c.yml": correlation, "f.yml": text})
    (error,) = load_rules([tmp_path]).errors
    assert "'many_deletes', which is a correlation rule" in error.message
    assert error.line == 6


def test_a_second_filter_with_the_same_id_is_refused(tmp_path: Path) -> None:
    copy = BACKUP_FILTER.replace("backup_", "archive_")
    write(tmp_path, **{"a.yml": DELETE, "f.yml": BACKUP_FILTER, "g.yml": copy})
    ruleset = load_rules([tmp_path])
    (error,) = ruleset.errors
    assert error.path == str(tmp_path / "g.yml")
    assert "duplicate filter id" in error.message
    assert [spec.path for spec in ruleset.filters] == [str(tmp_path / "f.yml")]
    assert fired(DetectionEngine(ruleset), event("archive_x")) == ["dms_delete"]


def test_a_bad_condition_of_an_any_filter_is_one_error_on_the_condition_line(
    tmp_path: Path,
) -> None:
    """`rules: any` over SigmaHQ names hundreds of rules: the filter's own fault is one error."""
    broken = BACKUP_FILTER.replace("rules:\n        - dms_delete", "rules: any")
    broken = broken.replace("not known_good", "not known_goood")
    write(tmp_path, **{"a.yml": DELETE, "b.yml": DELETE_TWIN, "f.yml": broken})
    report = validate([tmp_path])
    assert report.loaded == 2
    (error,) = report.errors
    lines = broken.splitlines()
    assert lines[error.line - 1 if error.line else 0].strip() == "condition: not known_goood"
    assert error.message.startswith(
        "filter 'The backup account deletes old drafts' cannot apply to 2 rules ("
    )
    assert "5b0c1f1e-1111-4111-8111-111111111111" in error.message
    assert "known_goood" in error.message


def test_validate_counts_filter_and_override_errors_apart_from_rejected_rules(
    tmp_path: Path,
) -> None:
    """A bad filter reference or override entry leaves every rule loaded: none is rejected."""
    rules = write(tmp_path / "rules", **{"a.yml": DELETE, "f.yml": BACKUP_FILTER})
    (rules / "g.yml").write_text(
        BACKUP_FILTER.replace("dms_delete", "no_such_rule").replace("000000000001", "000000000009")
    )
    overrides = tmp_path / "overrides.yml"
    overrides.write_text("no_such_rule:\n  level: low\n")
    report = validate([rules], overrides_file=overrides)
    assert (report.loaded, report.rejected, len(report.errors)) == (1, 0, 2)
    assert report.lines()[-1] == (
        "1 rules loaded, 0 correlation rules, 0 rejected, 2 filters, "
        "1 filter errors, 1 override errors"
    )
