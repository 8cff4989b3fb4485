"""`secops rules coverage`: the coverage tables, and the API's JSON with ``--json``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import takewhile
from pathlib import Path

import pytest
from coverage_rules import AUDIT_POLICY_RULE

from secops.cli.main import main
from secops.rules.models import CoverageOut
from secops.settings import Settings


def _continues(line: str) -> bool:
    return line.startswith("    ")  # a list below the tables wraps onto indented lines


@pytest.fixture
def configured(settings: Settings, cli_env: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "audit_policy.yml").write_text(AUDIT_POLICY_RULE)
    cli_env.setenv("SECOPS_RULE_DIRS", json.dumps([str(rules)]))
    return settings


def test_coverage_tables_and_json(
    configured: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recent = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    events = tmp_path / "events.ndjson"
    events.write_text(
        json.dumps({"@timestamp": recent, "event": {"dataset": "linux.sshd"}})
        + "\n"
        + json.dumps({"@timestamp": recent, "event": {"dataset": "badge.reader"}})
        + "\n"
    )
    assert main(["ingest", "--no-detect", str(events)]) == 0
    capsys.readouterr()

    assert main(["rules", "coverage"]) == 0
    out = capsys.readouterr().out
    rows = {line.split("  ")[0]: line.split("  ")[1:] for line in out.splitlines()}
    # logsource, rules, correlations, events, tactics, techniques
    assert [c.strip() for c in rows["product=windows service=security"] if c.strip()] == [
        "1",
        "0",
        "0",
        "defense-evasion",
        "T1562.002",
    ]
    assert "blind logsources (active rules, no events): " in out
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("blind logsources"))
    blind = " ".join(lines[start : start + 1] + list(takewhile(_continues, lines[start + 1 :])))
    assert "product=windows service=security" in blind
    uncovered = next(line for line in out.splitlines() if line.startswith("uncovered sources"))
    assert uncovered.endswith(": badge.reader")

    assert main(["rules", "coverage", "--json", "--window", "12h"]) == 0
    report = CoverageOut.model_validate_json(capsys.readouterr().out)
    assert report.window == "12h"
    assert report.uncovered_sources == ["badge.reader"]
    by_key = {c.key: c for c in report.logsources}
    assert by_key["product=linux service=sshd"].events == 1
