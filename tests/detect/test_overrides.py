"""Per-rule overrides of level and status: applied at load, originals kept, errors with lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from secops.cli.main import main
from secops.detect.engine import DetectionEngine
from secops.detect.loader import load_rules

from .tuning import DELETE, DELETE_TWIN, event, write

OVERRIDES = """# louder and quieter
5b0c1f1e-1111-4111-8111-111111111111:
  level: critical
  reason: Deletions in the DMS are rare here
dms_delete_twin:
  status: deprecated
"""


def test_overrides_change_level_and_status_and_keep_the_originals(tmp_path: Path) -> None:
    rules = write(tmp_path / "rules", **{"a.yml": DELETE, "b.yml": DELETE_TWIN})
    overrides = tmp_path / "overrides.yml"
    overrides.write_text(OVERRIDES)
    ruleset = load_rules([rules], overrides=overrides)
    assert ruleset.errors == []
    metas = {r.meta.name: r.meta for r in ruleset.rules}
    assert metas["dms_delete"].level == "critical"
    assert metas["dms_delete"].overridden == {"level": "high"}
    assert metas["dms_delete_twin"].level == "high"
    assert metas["dms_delete_twin"].status == "deprecated"
    assert metas["dms_delete_twin"].overridden == {"status": None}
    # Matches carry the overridden level, so alerts do.
    levels = {m.rule.name: m.rule.level for m in DetectionEngine(ruleset).match(event("a"), "1")}
    assert levels == {"dms_delete": "critical", "dms_delete_twin": "high"}
    assert {r.meta.name: r.meta.level for r in load_rules([rules]).rules} == {
        "dms_delete": "high",
        "dms_delete_twin": "high",
    }


def test_bad_overrides_are_reported_with_file_and_line_and_the_rest_apply(tmp_path: Path) -> None:
    rules = write(tmp_path / "rules", **{"a.yml": DELETE, "b.yml": DELETE_TWIN})
    overrides = tmp_path / "overrides.yml"
    overrides.write_text(
        "no_such_rule:\n"  # 1
        "  level: low\n"
        "dms_delete:\n"  # 3
        "  level: loud\n"  # 4
        "dms_delete_twin:\n"  # 5
        "  level: low\n"
        "  colour: red\n"  # 7
        "5b0c1f1e-2222-4222-8222-222222222222:\n"  # 8
        "  level: informational\n"
    )
    ruleset = load_rules([rules], overrides=overrides)
    found = sorted((e.line, e.message) for e in ruleset.errors)
    assert [line for line, _ in found] == [1, 4, 7]
    assert all(e.path == str(overrides) for e in ruleset.errors)
    assert "'no_such_rule', which is not loaded" in found[0][1]
    assert "level" in found[1][1]
    assert "'loud'" in found[1][1] or "critical" in found[1][1]
    assert "colour" in found[2][1]
    metas = {r.meta.name: r.meta for r in ruleset.rules}
    assert metas["dms_delete"].level == "high"
    assert metas["dms_delete_twin"].level == "informational"


def test_overrides_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    rules = write(tmp_path / "rules", **{"a.yml": DELETE})
    overrides = tmp_path / "overrides.yml"
    overrides.write_text("- dms_delete\n")
    (error,) = load_rules([rules], overrides=overrides).errors
    assert error.line == 1
    assert "maps rule ids or names" in error.message


def test_rules_validate_reports_bad_overrides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = write(tmp_path / "rules", **{"a.yml": DELETE})
    overrides = tmp_path / "overrides.yml"
    overrides.write_text("dms_delete:\n  level: loud\n")
    code = main(["rules", "validate", str(rules), "--overrides", str(overrides)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{overrides}:2: " in out
    overrides.write_text("dms_delete:\n  level: low\n")
    assert main(["rules", "validate", str(rules), "--overrides", str(overrides)]) == 0
