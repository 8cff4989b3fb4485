"""`secops ingest FILE…`: a one-off import of log files into the store.

The records of the files (text, NDJSON, JSON documents, ``.evtx``, gzipped text
and JSON: `secops.cli.ingest_files`) go through the same normalize → enrich →
store path as live records (first-seen addresses start empty and carry across the
files of one run). Each record's origin is the file path plus its position (byte
offset, EVTX record number), so its document id is stable and importing a file
again is a no-op.

Then the configured rules, single-event and correlation, run over everything the
import holds in event-time order (`secops.hunt.imports`) and raise alerts of kind
``import``, with the live pipeline's deterministic ids: importing again raises
nothing new. The summary gives, per rule, the alerts and matches, and per Sigma
filter the matches of its rules it kept out. ``--no-detect`` only stores.
"""

from __future__ import annotations

import argparse
import threading
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from secops.accounting import SourceAccounting
from secops.cli.deployment import open_context
from secops.cli.ingest_files import FORMATS, file_format, read_records
from secops.context import Context
from secops.detect.ruleset import RuleSet
from secops.enrich import Enricher
from secops.enrich.live import build_enricher
from secops.errors import InvalidInputError
from secops.hunt.imports import ImportDetection, ImportOrder, detect_import
from secops.pipeline.deliver import deliver
from secops.pipeline.detection import NoDetection
from secops.pipeline.normalizing import is_unparsed
from secops.records import RawRecord, Source
from secops.retry import RetryPolicy
from secops.rules.detector import build_detector
from secops.rules.filter_metrics import process_filter_drops


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ingest", help="import log files (text, NDJSON, .evtx; text and NDJSON gzipped too) once"
    )
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--format", choices=FORMATS, default="auto", help="default: by file extension")
    p.add_argument("--host", help="host the logs come from (default: unknown)")
    p.add_argument("--batch", type=int, default=2000, help="records per bulk request")
    p.add_argument(
        "--no-detect",
        dest="detect",
        action="store_false",
        help="only store; run no rules over the imported events",
    )
    p.set_defaults(func=_ingest)


@dataclass
class Counts:
    read: int = 0
    indexed: int = 0
    already: int = 0
    unparsed: int = 0
    deadlettered: int = 0


def _ingest(args: argparse.Namespace) -> int:
    for path in args.files:
        if not path.is_file():
            raise InvalidInputError("not a readable file", where=str(path))
    formats = [file_format(path, args.format) for path in args.files]  # refused before any import
    accounting = SourceAccounting()
    total = Counts()
    stop = threading.Event()
    order = ImportOrder()
    with open_context() as ctx:
        # One enrich stage for the whole import: first-seen addresses carry across files.
        enricher = build_enricher(ctx)
        for path, fmt in zip(args.files, formats, strict=True):
            source = Source("file", host=args.host, application=path.name)
            unit, size = ("rec", None) if fmt == "evtx" else ("B", path.stat().st_size)
            with tqdm(total=size, unit=unit, unit_scale=True, desc=path.name) as progress:
                batch: list[RawRecord] = []
                records = read_records(
                    path,
                    fmt,
                    source,
                    progress,
                    max_record_bytes=ctx.settings.max_record_bytes,
                    max_json_bytes=ctx.settings.ingest_max_body_bytes,
                )
                for record in records:
                    batch.append(record)
                    if len(batch) >= args.batch:
                        _send(ctx, batch, accounting, stop, total, enricher, order)
                        batch = []
                if batch:
                    _send(ctx, batch, accounting, stop, total, enricher, order)
        print(
            f"read {total.read}, indexed {total.indexed}, already present {total.already}, "
            f"unparsed {total.unparsed}, dead-lettered {total.deadlettered}"
        )
        if args.detect:
            detector = build_detector(ctx)
            before = process_filter_drops().snapshot()
            with tqdm(total=len(order.keys), unit="ev", unit_scale=True, desc="detect") as bar:
                found = detect_import(ctx, order, detector, progress=bar.update)
            _print_detection(found)
            _print_filtered(before, process_filter_drops().snapshot(), detector.engine.ruleset)
    return 0


def _print_detection(found: ImportDetection) -> None:
    print(
        f"detection over {found.events} events: {found.alerts_created} alerts raised, "
        f"{found.alerts_updated} updated"
    )
    if found.already_detected:
        print(
            f"  {found.already_detected} matches of rules that already raised their alerts "
            "on these events were left out"
        )
    for rule_id, tally in sorted(found.rules.items(), key=lambda kv: (-kv[1].matches, kv[0])):
        print(
            f"  {tally.alerts_created:>6} raised {tally.alerts_updated:>6} updated "
            f"{tally.matches:>8} matches  {tally.title} ({rule_id})"
        )


def _print_filtered(
    before: dict[tuple[str, str], int], after: dict[tuple[str, str], int], ruleset: RuleSet
) -> None:
    """What each Sigma filter kept out of this import: matches of its rules it excluded."""
    filters = {f.id: f.title for f in ruleset.filters}
    rules = {r.meta.id: r.meta.title for r in ruleset.rules}
    for (filter_id, rule_id), count in sorted(after.items()):
        dropped = count - before.get((filter_id, rule_id), 0)
        if dropped:
            print(
                f"  filter {filters.get(filter_id, filter_id)!r} ({filter_id}) kept out "
                f"{dropped} matches of {rules.get(rule_id, rule_id)} ({rule_id})"
            )


def _send(
    ctx: Context,
    batch: list[RawRecord],
    accounting: SourceAccounting,
    stop: threading.Event,
    total: Counts,
    enricher: Enricher | None,
    order: ImportOrder,
) -> None:
    groups, report = deliver(
        batch,
        es=ctx.es,
        names=ctx.names,
        detector=NoDetection(),
        accounting=accounting,
        policy=RetryPolicy(),
        stop=stop,
        enricher=enricher,
    )
    total.read += len(batch)
    total.indexed += report.created
    total.already += report.existed
    total.deadlettered += len(report.deadlettered)
    total.unparsed += sum(1 for _, event in groups if is_unparsed(event))
    dead = report.deadlettered
    for records, event in groups:
        doc_id = records[0].record_id()
        if doc_id not in dead:  # rejected by the store: nothing to read back
            order.add(doc_id, event)
