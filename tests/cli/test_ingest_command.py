"""`secops ingest`: files into the store through normalize; importing again is a no-op."""

from __future__ import annotations

from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from places import SHARED

from secops.cli.main import main
from secops.settings import Settings
from secops.store import IndexNames

OPENSSH = SHARED / "samples" / "loghub" / "OpenSSH_2k.log"


@pytest.fixture
def configured(settings: Settings, cli_env: pytest.MonkeyPatch) -> Settings:
    """The test's settings, and the CLI pointed at the same namespace."""
    return settings


def test_text_file_twice_is_indexed_once(
    configured: Settings, es: Elasticsearch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = sum(1 for line in OPENSSH.read_bytes().splitlines() if line.strip())
    assert main(["ingest", str(OPENSSH)]) == 0
    out = capsys.readouterr().out
    assert f"read {lines}, indexed {lines}, already present 0" in out
    assert main(["ingest", str(OPENSSH)]) == 0
    assert f"read {lines}, indexed 0, already present {lines}" in capsys.readouterr().out
    names = IndexNames(configured.namespace)
    es.indices.refresh(index=names.events_pattern)
    assert es.count(index=names.events_pattern)["count"] == lines


def test_ndjson_objects_and_broken_lines_are_all_kept(
    configured: Settings, es: Elasticsearch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "app.ndjson"
    path.write_text(
        '{"@timestamp": "2026-01-10T10:00:00Z", "event": {"action": "login"}, '
        '"user": {"name": "ali"}}\n'
        "not json at all\n"
        "\n"
        '{"@timestamp": "2026-01-10T10:00:01Z", "user": {"name": {"oops": 1}}}\n'
    )
    assert main(["ingest", str(path)]) == 0
    out = capsys.readouterr().out
    assert "read 3, indexed 2, already present 0, unparsed 1, dead-lettered 1" in out
    names = IndexNames(configured.namespace)
    es.indices.refresh(index=names.events_pattern)
    hits = es.search(index=names.events_pattern, query={"term": {"user.name": "ali"}})["hits"][
        "hits"
    ]
    assert hits[0]["_source"]["event"]["action"] == "login"
