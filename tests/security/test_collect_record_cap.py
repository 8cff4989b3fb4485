"""The record-size cap, end to end: a cut record is stored, tagged and sized, never dropped.

The receivers' own cuts are tested beside them (tests/collectors, tests/api); here
the tag normalize puts on the event, and an import through the store.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from places import SHARED
from tqdm import tqdm

from secops.accounting import SourceAccounting, source_key
from secops.cli.ingest_files import read_records
from secops.cli.main import main
from secops.context import Context
from secops.normalize import normalize
from secops.pipeline.deliver import deliver
from secops.pipeline.detection import NoDetection
from secops.records import RawRecord, Source, cap_strings, cap_text
from secops.retry import RetryPolicy
from secops.settings import Settings
from secops.store import IndexNames

SSHD = "Dec 10 06:55:46 LabSZ sshd[24200]: Failed password for root from 10.0.0.9 port 22 ssh2"
EVTX_DIR = SHARED / "sigma" / "regression_data" / "rules-threat-hunting"


def record(message: str, **extra: object) -> RawRecord:
    return RawRecord(
        source=Source(input="syslog-tcp", address="10.0.0.9"),
        received_at=1_700_000_000.0,
        message=message,
        origin="test:1",
        extra=dict(extra),
    )


@pytest.mark.parametrize("message", [SSHD, "no parser knows this"])
def test_normalize_tags_a_cut_record_and_keeps_its_original_size(message: str) -> None:
    event = normalize(record(message, truncated=True, original_size=10_000_000))
    assert "record_truncated" in event["tags"]
    assert event["secops"]["original_size"] == 10_000_000
    assert "record_truncated" not in normalize(record(message)).get("tags", [])


def test_cap_text_cuts_at_a_character_boundary() -> None:
    text = "a" + "€" * 100  # 301 bytes
    for limit in range(1, 40):
        cut, size = cap_text(text, limit)
        assert size == 301
        assert len(cut.encode()) <= limit
        assert text.startswith(cut)
    assert cap_text(text, 301) == (text, None)


def test_cap_strings_reaches_every_string_however_deep() -> None:
    doc: dict[str, object] = {"leaf": "y" * 100}
    for _ in range(5000):  # deeper than the interpreter's recursion limit
        doc = {"k": [doc]}
    assert cap_strings(doc, 10) == 1
    node: object = doc
    while isinstance(node, dict) and "k" in node:
        node = node["k"][0]  # type: ignore[index]
    assert node == {"leaf": "y" * 10}


def test_evtx_import_cuts_long_strings_and_flags_the_record() -> None:
    evtx = min(EVTX_DIR.rglob("*.evtx"))
    with tqdm(disable=True) as progress:
        records = list(read_records(evtx, "evtx", Source("file"), progress, max_record_bytes=16))
    assert records
    cut = [r for r in records if r.extra.get("truncated")]
    assert cut, "an EVTX record has strings longer than 16 bytes"
    for r in cut:
        assert r.extra["original_size"] > 16
        assert r.structured is not None
        assert cap_strings(r.structured, 16) == 0  # nothing left over the cap


def test_imported_long_line_is_stored_cut_and_tagged(
    settings: Settings,
    cli_env: pytest.MonkeyPatch,
    es: Elasticsearch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cli_env.setenv("SECOPS_MAX_RECORD_BYTES", "4096")
    long_line = SSHD + " " + "é" * 1_000_000  # 2 MB on one line
    path = tmp_path / "auth.log"
    path.write_text(f"{SSHD}\n{long_line}\n")
    assert main(["ingest", str(path)]) == 0
    assert "read 2, indexed 2" in capsys.readouterr().out
    names = IndexNames(settings.namespace)
    es.indices.refresh(index=names.events_pattern)
    hits = es.search(index=names.events_pattern, query={"term": {"tags": "record_truncated"}})
    (hit,) = hits["hits"]["hits"]
    source = hit["_source"]
    assert source["secops"]["original_size"] == len(long_line.encode())
    original = source["event"]["original"]
    assert len(original.encode()) <= 4096
    assert long_line.startswith(original)


def test_cut_records_are_counted_per_source(ctx: Context) -> None:
    accounting = SourceAccounting()
    cut = record(SSHD, truncated=True, original_size=200_000)
    whole = RawRecord(source=cut.source, received_at=cut.received_at, message=SSHD, origin="t:2")
    _, report = deliver(
        [cut, whole],
        es=ctx.es,
        names=ctx.names,
        detector=NoDetection(),
        accounting=accounting,
        policy=RetryPolicy(),
        stop=threading.Event(),
    )
    assert report.created == 2
    counts = accounting.snapshot()[source_key(cut.source)]
    assert (counts.indexed, counts.truncated) == (2, 1)
