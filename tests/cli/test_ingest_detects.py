"""`secops ingest` runs the configured rules over what it imports, in event-time order.

Real data: OTRF's recording of ``auditpol`` tampering with the audit policy (NXLog
JSON lines) and a SigmaHQ regression EVTX with its rule. The correlation "auditpol
set a per-user policy (06:57:16, 06:57:28), then the system audit policy changed on
the same host (06:58:14 on)" fires only when the events are seen in event-time
order: the test imports the policy changes first, and in file order the auditpol
runs would come more than the correlation engine's lateness (60 s) behind them.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from places import SHARED
from tqdm import tqdm

from secops.cli.ingest_files import read_records
from secops.cli.main import main
from secops.detect.correlation.engine import CorrelationEngine
from secops.detect.detector import RuleDetector
from secops.detect.engine import DetectionEngine
from secops.detect.loader import load_rules
from secops.errors import InvalidInputError
from secops.normalize.core import normalize
from secops.records import RawRecord, Source
from secops.settings import Settings
from secops.store import IndexNames

AUDITPOL = (
    SHARED / "samples" / "windows" / "otrf_auditpol_system_user_auditpolicy_modification.json.gz"
)
REGRESSION = SHARED / "sigma" / "regression_data" / "rules" / "windows" / "file" / "file_event"
DLL_EVTX = (
    REGRESSION
    / "file_event_win_creation_system_dll_files"
    / "13c02350-4177-4e45-ac17-cf7ca628ff5e.evtx"
)
DLL_RULE = (
    SHARED
    / "sigma"
    / "rules"
    / "windows"
    / "file"
    / "file_event"
    / "file_event_win_creation_system_dll_files.yml"
)
DLL_RULE_ID = "13c02350-4177-4e45-ac17-cf7ca628ff5e"
CORRELATION_ID = "0d4c3f7e-2b9a-4e51-8f6d-7a1c5e9b3d20"
AUDITPOL_RAN_ID = "8e2d4f60-1c3b-4a5d-9e7f-3b4c5d6e7f81"

RULES = {
    "auditpol_run.yml": """
title: Auditpol Sets A Per-User Audit Policy
id: 5b0e2c71-9a4d-4f3e-8c2b-1d6e7f8a9b01
name: auditpol_user_policy
status: test
logsource: {product: windows, service: security}
detection:
    selection:
        EventID: 4688
        NewProcessName|endswith: '\\auditpol.exe'
        CommandLine|contains|all: ['/set', '/user:']
    condition: selection
level: low
""",
    "audit_policy_changed.yml": """
title: Audit Policy Changed
id: 7c1f3d82-0b5e-4a4f-9d3c-2e7f8a9b0c12
name: audit_policy_changed
status: test
logsource: {product: windows, service: security}
detection:
    selection:
        EventID: 4719
    condition: selection
level: low
""",
    "auditpol_ran.yml": f"""
title: Auditpol Ran
id: {AUDITPOL_RAN_ID}
status: test
logsource: {{product: windows, service: security}}
detection:
    selection:
        EventID: 4688
        NewProcessName|endswith: '\\auditpol.exe'
    condition: selection
level: low
""",
    "auditpol_then_change.yml": f"""
title: Auditpol Changed The Audit Policy
id: {CORRELATION_ID}
status: test
tags: [attack.defense-evasion, attack.t1562.002]
correlation:
    type: temporal_ordered
    rules: [auditpol_user_policy, audit_policy_changed]
    group-by: [host.name]
    timespan: 2m
level: high
""",
}


def _split_auditpol(tmp_path: Path) -> tuple[Path, Path]:
    """The recording's process creations and its policy changes, as two NDJSON files."""
    processes, changes = tmp_path / "processes.ndjson", tmp_path / "changes.ndjson"
    with (
        gzip.open(AUDITPOL, "rt", encoding="utf-8") as src,
        processes.open("w") as p,
        changes.open("w") as c,
    ):
        for line in src:
            event_id = json.loads(line).get("EventID")
            if event_id == 4688:
                p.write(line)
            elif event_id == 4719:
                c.write(line)
    return processes, changes


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    for name, text in RULES.items():
        (folder / name).write_text(text)
    return folder


@pytest.fixture
def configured(settings: Settings, cli_env: pytest.MonkeyPatch, rules: Path) -> Settings:
    cli_env.setenv("SECOPS_RULE_DIRS", json.dumps([str(rules), str(DLL_RULE)]))
    # An alert keeps one event id: a replay of its other events must still not count.
    cli_env.setenv("SECOPS_ALERT_MAX_EVENT_IDS", "1")
    return settings


def _alerts(es: Elasticsearch, settings: Settings) -> list[dict[str, Any]]:
    names = IndexNames(settings.namespace)
    es.indices.refresh(index=names.alerts)
    hits = es.search(index=names.alerts, size=1000, query={"match_all": {}})["hits"]["hits"]
    return [h["_source"] for h in hits]


def test_file_order_alone_would_miss_the_correlation(rules: Path, tmp_path: Path) -> None:
    """What the import test relies on: in file order the correlation stays silent."""
    processes, changes = _split_auditpol(tmp_path)
    ruleset = load_rules([rules])

    def correlated(events: list[dict[str, Any]]) -> list[str]:
        detector = RuleDetector(
            DetectionEngine(ruleset),
            correlations=CorrelationEngine(ruleset.correlations, [r.meta for r in ruleset.rules]),
        )
        return [m.rule.id for m in detector.detect(events) if m.rule.kind == "correlation"]

    def events(path: Path) -> list[dict[str, Any]]:
        source = Source("file", application=path.name)
        out = []
        for i, line in enumerate(path.read_text().splitlines()):
            record = RawRecord(source=source, received_at=0.0, structured=json.loads(line))
            event = normalize(record)
            event.setdefault("secops", {})["record_id"] = f"{path.name}:{i}"
            out.append(event)
        return out

    in_file_order = events(changes) + events(processes)
    assert correlated(in_file_order) == []
    in_time_order = sorted(in_file_order, key=lambda e: str(e["@timestamp"]))
    assert correlated(in_time_order) == [CORRELATION_ID]


def test_import_raises_alerts_in_event_time_order_and_once(
    configured: Settings, es: Elasticsearch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    processes, changes = _split_auditpol(tmp_path)
    files = [str(changes), str(processes), str(DLL_EVTX)]  # policy changes first

    assert main(["ingest", *files]) == 0
    out = capsys.readouterr().out
    assert "dead-lettered 0" in out
    alerts = _alerts(es, configured)
    assert alerts
    assert all(a["kind"] == "import" for a in alerts)
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for alert in alerts:
        by_rule.setdefault(alert["rule"]["id"], []).append(alert)
    # The SigmaHQ rule fires on its regression sample (match_count: 1).
    assert [a["count"] for a in by_rule[DLL_RULE_ID]] == [1]
    # auditpol.exe set a per-user policy, then the policy changed on the same host.
    correlated = by_rule[CORRELATION_ID]
    assert {a["host"]["name"] for a in correlated} == {"pedro-computer"}
    assert all(a["rule"]["kind"] == "correlation" for a in correlated)
    assert correlated[0]["threat"]["techniques"] == ["T1562.002"]
    # Six auditpol runs on one host: one alert of six events.
    assert [a["count"] for a in by_rule[AUDITPOL_RAN_ID]] == [6]
    # The base rules have `generate: false` (the default): no alerts of their own.
    assert set(by_rule) == {DLL_RULE_ID, CORRELATION_ID, AUDITPOL_RAN_ID}
    raised = len(alerts)
    assert f"{raised} alerts raised" in out
    assert f"Auditpol Changed The Audit Policy ({CORRELATION_ID})" in out

    # Importing again: nothing stored twice, no alert raised or counted twice.
    assert main(["ingest", *files]) == 0
    again = capsys.readouterr().out
    assert "indexed 0" in again
    assert "0 alerts raised, 0 updated" in again
    assert "were left out" in again
    after = _alerts(es, configured)
    assert len(after) == raised
    assert sorted(a["count"] for a in after) == sorted(a["count"] for a in alerts)


def test_no_detect_only_stores(
    configured: Settings, es: Elasticsearch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", "--no-detect", str(DLL_EVTX)]) == 0
    out = capsys.readouterr().out
    assert "indexed" in out
    assert "alerts raised" not in out
    names = IndexNames(configured.namespace)
    es.indices.refresh(index=names.events_pattern)
    assert es.count(index=names.events_pattern)["count"] > 0
    assert not es.indices.exists(index=names.alerts) or not _alerts(es, configured)


def test_gzipped_ndjson_is_read_as_its_inner_format_and_detected(
    configured: Settings, es: Elasticsearch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Samples and exported logs come gzipped (the shared OTRF recording is ``.json.gz``)."""
    processes, _ = _split_auditpol(tmp_path)
    packed = tmp_path / "processes.json.gz"
    packed.write_bytes(gzip.compress(processes.read_bytes()))
    lines = len(processes.read_text().splitlines())

    assert main(["ingest", str(packed)]) == 0
    out = capsys.readouterr().out
    assert f"read {lines}, indexed {lines}, already present 0, unparsed 0, dead-lettered 0" in out
    by_rule = [a for a in _alerts(es, configured) if a["rule"]["id"] == AUDITPOL_RAN_ID]
    assert [a["count"] for a in by_rule] == [6]


def test_a_damaged_gzip_and_a_gzipped_evtx_are_refused_with_the_file(
    configured: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damaged = tmp_path / "cut.json.gz"
    damaged.write_bytes(gzip.compress(b'{"message": "x"}\n' * 1000)[:-40])
    assert main(["ingest", "--no-detect", str(damaged)]) == 2
    err = capsys.readouterr().err
    assert "not a readable gzip file: " in err
    assert err.rstrip().endswith(f" in {damaged.resolve()}")

    evtx = tmp_path / "dll.evtx.gz"
    evtx.write_bytes(gzip.compress(DLL_EVTX.read_bytes()))
    assert main(["ingest", str(damaged), str(evtx)]) == 2  # refused before any file is read
    assert capsys.readouterr().err.strip() == (
        f"error: a compressed .evtx cannot be read: decompress it first in {evtx}"
    )


FILTER = f"""
title: The audit team sets per-user policies with auditpol
id: 2c9d7e10-4b3a-4f5e-8d6c-9a0b1c2d3e4f
logsource: {{product: windows, service: security}}
filter:
    rules: [{AUDITPOL_RAN_ID}]
    per_user:
        CommandLine|contains: '/user:'
    condition: not per_user
"""


def test_the_summary_counts_what_each_filter_kept_out_of_the_import(
    configured: Settings,
    cli_env: pytest.MonkeyPatch,
    rules: Path,
    es: Elasticsearch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tuning = tmp_path / "tuning"
    tuning.mkdir()
    (tuning / "audit_team.yml").write_text(FILTER)
    cli_env.setenv("SECOPS_RULE_DIRS", json.dumps([str(rules), str(tuning)]))
    processes, _ = _split_auditpol(tmp_path)
    per_user = sum(1 for line in processes.read_text().splitlines() if "/user:" in line)
    assert 0 < per_user < 6  # of the six auditpol runs

    assert main(["ingest", str(processes)]) == 0
    out = capsys.readouterr().out
    assert (
        "  filter 'The audit team sets per-user policies with auditpol' "
        f"(2c9d7e10-4b3a-4f5e-8d6c-9a0b1c2d3e4f) kept out {per_user} matches of "
        f"Auditpol Ran ({AUDITPOL_RAN_ID})"
    ) in out.splitlines()
    by_rule = [a for a in _alerts(es, configured) if a["rule"]["id"] == AUDITPOL_RAN_ID]
    assert [a["count"] for a in by_rule] == [6 - per_user]


def test_pretty_printed_json_documents_are_imported_whole_and_detected(
    configured: Settings, es: Elasticsearch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SigmaHQ's regression JSON (as evtx_dump writes it) is one object over many lines."""
    sample = DLL_EVTX.with_suffix(".json")
    assert len(sample.read_text().splitlines()) > 10
    assert main(["ingest", str(sample)]) == 0
    out = capsys.readouterr().out
    assert "read 1, indexed 1, already present 0, unparsed 0, dead-lettered 0" in out
    by_rule = [a for a in _alerts(es, configured) if a["rule"]["id"] == DLL_RULE_ID]
    assert [a["count"] for a in by_rule] == [1]

    # An array of objects, pretty-printed: each object is one record.
    array = tmp_path / "array.json"
    logins = [
        {"@timestamp": f"2026-01-10T10:00:0{i}Z", "event": {"action": "login"}, "user": {"name": n}}
        for i, n in enumerate(["ali", "sara"])
    ]
    array.write_text(json.dumps(logins, indent=2))
    assert main(["ingest", "--no-detect", str(array)]) == 0
    assert "read 2, indexed 2, already present 0, unparsed 0" in capsys.readouterr().out


def test_a_json_file_that_is_not_json_documents_is_read_line_by_line(
    configured: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "message": "cut here"\n')
    assert main(["ingest", "--no-detect", str(broken)]) == 0
    assert "read 2, indexed 2, already present 0, unparsed 2" in capsys.readouterr().out


def test_a_json_document_over_the_limit_is_refused_with_a_way_out(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_text(json.dumps([{"message": "x" * 100}] * 20, indent=1))
    records = read_records(big, "ndjson", Source("file"), tqdm(disable=True), max_json_bytes=1000)
    with pytest.raises(InvalidInputError, match=r"more than 1000 bytes: .*NDJSON"):
        next(records)
