"""`secops ingest` enriches as the live pipeline does, so a hunt over stored events sees the
same fields (the hunt reads them; it does not normalise again)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secops.cli.main import main
from secops.context import Context
from secops.detect.loader import load_rules
from secops.enrich.service import import_people
from secops.hunt import hunt

PEOPLE = "user,clearance,committees,aliases,display_name\nmrossi,secret,defence,M0421,Maria Rossi\n"
RULE = """title: Classified paper of a foreign committee
id: 5d1c2f7e-8a0b-4c3d-9e1f-2a3b4c5d6e7f
status: test
logsource:
    product: parliament
    service: dms
detection:
    selection:
        parliament.document.classification_rank|gte: 2
        secops.need_to_know: false
    condition: selection
level: medium
"""


def _line(doc: str, committee: str, ts: str) -> str:
    fields = {
        "app": "dms", "ts": ts, "user": "mrossi", "clearance": "secret", "doc_id": doc,
        "classification": "secret", "committee": committee, "action": "view",
        "result": "success", "client": "10.1.2.3",
    }  # fmt: skip
    return json.dumps(fields)


def test_ingest_enriches_and_a_hunt_matches_the_fields(
    cli_ctx: Context, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_people(cli_ctx, text=PEOPLE, source="people.csv", actor="system:test")
    log = tmp_path / "dms.ndjson"
    log.write_text(
        _line("DOC-1", "defence", "2026-06-06T06:00:00Z")
        + "\n"
        + _line("DOC-2", "budget", "2026-06-06T06:05:00Z")
        + "\n"
    )
    assert main(["ingest", str(log)]) == 0
    capsys.readouterr()
    cli_ctx.es.indices.refresh(index=cli_ctx.names.events_pattern)
    hits = cli_ctx.es.search(
        index=cli_ctx.names.events_pattern, sort=[{"@timestamp": "asc"}], size=10
    )["hits"]["hits"]
    first, second = (h["_source"] for h in hits)
    assert first["user"]["full_name"] == "Maria Rossi"
    assert first["secops"]["need_to_know"] is True
    assert first["secops"]["source"]["first_seen"] is True
    assert second["secops"]["need_to_know"] is False
    assert second["secops"]["source"]["first_seen"] is False  # carried from line to line

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "foreign.yml").write_text(RULE)
    report = hunt(cli_ctx, ruleset=load_rules([rules]), since="2026-06-01T00:00:00Z")
    assert report.events == 2
    assert report.matches == 1
