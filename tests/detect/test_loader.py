"""Loading: broken files and rules are reported with file, line and reason, and skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from secops.detect.loader import load_rules
from secops.detect.validate import validate
from secops.errors import RuleError

GOOD = """title: Good
id: 5b0c1f1e-1111-4111-8111-111111111111
name: good_rule
logsource: {product: parliament, service: dms}
detection:
    sel:
        event.action: delete
    condition: sel
level: high
"""

BAD_CONDITION = """title: Bad condition
id: 5b0c1f1e-2222-4222-8222-222222222222
logsource: {product: linux}
detection:
    sel:
        a: b
    condition: sel and missing_selection
"""

BAD_REGEX = """title: Bad regex
id: 5b0c1f1e-3333-4333-8333-333333333333
logsource: {product: linux}
detection:
    sel:
        message|re: '(unclosed'
    condition: sel
"""

CORRELATION = """title: Many deletions
id: 5b0c1f1e-4444-4444-8444-444444444444
correlation:
    type: event_count
    rules: [good_rule]
    group-by: [user.name]
    timespan: 10m
    condition: {gte: 5}
"""


def _write(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_good_rules_load_and_bad_ones_are_reported(tmp_path: Path) -> None:
    _write(
        tmp_path,
        **{
            "good.yml": GOOD,
            "bad_condition.yml": BAD_CONDITION,
            "bad_regex.yml": BAD_REGEX,
            "broken.yml": "title: x\n  detection: [unclosed\n",
            "corr.yml": CORRELATION,
        },
    )
    ruleset = load_rules([tmp_path])
    assert [r.meta.title for r in ruleset.rules] == ["Good"]
    assert ruleset.rules[0].meta.name == "good_rule"
    assert ruleset.rules[0].meta.level == "high"
    assert [c.title for c in ruleset.correlations] == ["Many deletions"]
    by_file = {Path(e.path or "").name: e for e in ruleset.errors}
    assert set(by_file) == {"bad_condition.yml", "bad_regex.yml", "broken.yml"}
    assert "missing_selection" in by_file["bad_condition.yml"].message
    assert by_file["bad_regex.yml"].line == 6  # the line of the regex
    assert by_file["broken.yml"].line == 2
    assert "YAML" in by_file["broken.yml"].message


def test_fail_fast_without_collect_errors(tmp_path: Path) -> None:
    _write(tmp_path, **{"bad.yml": BAD_CONDITION})
    with pytest.raises(RuleError) as info:
        load_rules([tmp_path], collect_errors=False)
    assert info.value.path is not None
    assert info.value.path.endswith("bad.yml")


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    _write(tmp_path, **{"a.yml": GOOD, "b.yml": GOOD.replace("title: Good", "title: Copy")})
    ruleset = load_rules([tmp_path])
    assert len(ruleset.rules) == 1
    assert "duplicate" in ruleset.errors[0].message


def test_sample_files_are_not_rules(tmp_path: Path) -> None:
    _write(tmp_path, **{"good.yml": GOOD, "good.tests.yml": "positive: []\nnegative: []\n"})
    ruleset = load_rules([tmp_path])
    assert len(ruleset.rules) == 1
    assert ruleset.errors == []


def test_unconfigured_placeholder_is_reported_on_its_line(tmp_path: Path) -> None:
    text = GOOD.replace("event.action: delete", "user.name|expand: '%vips%'")
    _write(tmp_path, **{"expand.yml": text})
    (error,) = load_rules([tmp_path]).errors
    assert "%vips%" in error.message
    assert error.line == 7
    assert load_rules([tmp_path], placeholders={"vips": ["speaker"]}).errors == []


def test_validate_lists_file_line_reason_and_counts(tmp_path: Path) -> None:
    _write(tmp_path, **{"good.yml": GOOD, "bad_regex.yml": BAD_REGEX, "corr.yml": CORRELATION})
    report = validate([tmp_path])
    assert not report.ok
    assert (report.loaded, report.correlations, report.rejected) == (1, 1, 1)
    lines = report.lines()
    assert lines[0].startswith(f"{tmp_path / 'bad_regex.yml'}:6: ")
    assert "regular expression" in lines[0].lower()
    assert lines[-1] == "1 rules loaded, 1 correlation rules, 1 rejected"


def test_our_rules_validate_cleanly() -> None:
    from secops.detect.loader import BUILTIN_RULES

    report = validate([BUILTIN_RULES])
    assert report.ok, str(report)
    assert report.unrouted == ()
    assert report.unsupported == ()  # every logsource of ours is mapped
