"""`secops ingest FILE…`: a one-off import of log files into the store.

Text files (one record per line), NDJSON (one JSON object per line), JSON files
of pretty-printed objects or an array of objects (as ``evtx_dump -o json`` and
SigmaHQ's regression data write them) and Windows ``.evtx`` go through the same
normalize → enrich → store path as live records (first-seen addresses start empty
and carry across the files of one run). Each
record's origin is the file path plus its byte offset (or EVTX record number), so
its document id is stable and importing a file again is a no-op. Text and NDJSON
files compressed with gzip (``.log.gz``, ``.json.gz``, as exported logs and sample
sets come) are read as they stream, their format told by the name inside.

Then the configured rules, single-event and correlation, run over everything the
import holds in event-time order (`secops.hunt.imports`) and raise alerts of kind
``import``, with the live pipeline's deterministic ids: importing again raises
nothing new. The summary gives, per rule, the alerts and matches, and per Sigma
filter the matches of its rules it kept out. ``--no-detect`` only stores.
"""

from __future__ import annotations

import argparse
import gzip
import json
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from tqdm import tqdm

from collectors.lines import Line, LineSplitter
from secops.accounting import SourceAccounting
from secops.cli.deployment import open_context
from secops.context import Context
from secops.detect.ruleset import RuleSet
from secops.enrich import Enricher
from secops.enrich.live import build_enricher
from secops.errors import InvalidInputError
from secops.hunt.imports import ImportDetection, ImportOrder, detect_import
from secops.pipeline.deliver import deliver
from secops.pipeline.detection import NoDetection
from secops.pipeline.normalizing import is_unparsed
from secops.records import (
    DEFAULT_MAX_RECORD_BYTES,
    RawRecord,
    Source,
    cap_strings,
    drop_split_character,
    truncation_flags,
    utf8_head,
)
from secops.retry import RetryPolicy
from secops.rules.detector import build_detector
from secops.rules.filter_metrics import process_filter_drops

FORMATS = ("auto", "text", "ndjson", "evtx")


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


def is_gzip(path: Path) -> bool:
    return path.suffix.lower() == ".gz"


def file_format(path: Path, requested: str = "auto") -> str:
    """The format asked for, or the one of the file's extension (inside ``.gz``)."""
    fmt = (
        requested
        if requested != "auto"
        else _format_of(path.with_suffix("") if is_gzip(path) else path)
    )
    if fmt == "evtx" and is_gzip(path):
        raise InvalidInputError(
            "a compressed .evtx cannot be read: decompress it first", where=str(path)
        )
    return fmt


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".evtx":
        return "evtx"
    if suffix in (".ndjson", ".jsonl", ".json"):
        return "ndjson"
    return "text"


READ_CHUNK = 1 << 20


def read_records(
    path: Path,
    fmt: str,
    source: Source,
    progress: tqdm,
    *,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    max_json_bytes: int = 10 << 20,
) -> Iterator[RawRecord]:
    """The records of one file, each with an origin of file path and position.

    A text line longer than ``max_record_bytes`` is cut (whole characters) and
    flagged; an NDJSON line is parsed whole up to ``max_json_bytes``, and then each
    of its strings (as each string of an EVTX record) is cut at ``max_record_bytes``.
    Memory stays bounded whatever the length of a line.
    """
    where = str(path.resolve())
    now = time.time()
    if fmt == "evtx":
        from evtx import PyEvtxParser

        for rec in PyEvtxParser(str(path)).records_json():
            progress.update(1)
            if rec is None:
                continue
            data = rec["data"]
            obj = json.loads(data)
            cut = cap_strings(obj, max_record_bytes)
            yield RawRecord(
                source=source,
                received_at=now,
                structured=obj,
                format_hint="windows",
                origin=f"evtx:{where}:{rec['event_record_id']}",
                extra=truncation_flags(len(data.encode()) if cut else None),
            )
        return
    if fmt == "ndjson":
        documents = _json_documents(path, where, max_json_bytes)
        if documents is not None:
            progress.update(path.stat().st_size)
            for doc in documents:
                cut = cap_strings(doc.obj, max_record_bytes)
                yield RawRecord(
                    source=source,
                    received_at=now,
                    structured=doc.obj,
                    origin=f"json:{where}:{doc.position}",
                    extra=truncation_flags(doc.size if cut else None),
                )
            return
    keep = max_json_bytes if fmt == "ndjson" else max_record_bytes
    splitter = LineSplitter(keep)
    with path.open("rb") as raw:
        for chunk in _chunks(raw, gzipped=is_gzip(path), where=where):
            progress.update(raw.tell() - progress.n)  # bytes of the file, compressed or not
            for line in splitter.feed(chunk):
                record = _line_record(line, fmt, source, now, where, max_record_bytes)
                if record is not None:
                    yield record
        for line in splitter.finish():
            record = _line_record(line, fmt, source, now, where, max_record_bytes)
            if record is not None:
                yield record


def _json_documents(path: Path, where: str, max_bytes: int) -> list[JsonDocument] | None:
    """The objects of a JSON file that is not one object per line, by character position.

    Exports of Windows logs (``evtx_dump -o json``, Chainsaw, SigmaHQ's regression
    data) are pretty-printed objects one after another, or an array of objects.
    None when the file is line-delimited (its first line is a whole object) or does
    not parse as JSON documents: it is then read line by line, nothing dropped.
    """
    with path.open("rb") as raw:
        head = next(_chunks(raw, gzipped=is_gzip(path), where=where), b"")
    text = head.lstrip()
    if not text.startswith((b"[", b"{")):
        return None
    if text.startswith(b"{"):
        if b"\n" not in text:
            return None  # a first line longer than a chunk: line by line, as NDJSON
        try:
            if isinstance(orjson.loads(text.split(b"\n", 1)[0]), dict):
                return None  # NDJSON
        except orjson.JSONDecodeError:
            pass
    data = bytearray()
    with path.open("rb") as raw:
        for chunk in _chunks(raw, gzipped=is_gzip(path), where=where):
            data += chunk
            if len(data) > max_bytes:
                raise InvalidInputError(
                    f"a JSON document of more than {max_bytes} bytes: give one object per "
                    "line (NDJSON, for example with jq -c '.[]')",
                    where=where,
                )
    try:
        return list(_objects(bytes(data).decode("utf-8")))
    except (UnicodeDecodeError, ValueError):  # JSONDecodeError is a ValueError
        return None


@dataclass(frozen=True)
class JsonDocument:
    position: str  # character offset in the file, and index inside a top-level array
    size: int  # bytes of its JSON text (of the whole array for an array's objects)
    obj: dict[str, Any]


def _objects(text: str) -> Iterator[JsonDocument]:
    decoder = json.JSONDecoder()
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return
        start = pos
        value, pos = decoder.raw_decode(text, pos)
        size = len(text[start:pos].encode())
        if isinstance(value, dict):
            yield JsonDocument(str(start), size, value)
            continue
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ValueError(f"not a JSON object or an array of objects at character {start}")
        for i, item in enumerate(value):
            yield JsonDocument(f"{start}.{i}", size, item)


def _chunks(raw: BinaryIO, *, gzipped: bool, where: str) -> Iterator[bytes]:
    """The file's bytes, decompressed when it is gzip; a damaged gzip stream is an error."""
    if not gzipped:
        while chunk := raw.read(READ_CHUNK):
            yield chunk
        return
    try:
        with gzip.GzipFile(fileobj=raw) as f:
            while chunk := f.read(READ_CHUNK):
                yield chunk
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
        raise InvalidInputError(f"not a readable gzip file: {exc}", where=where) from exc


def _line_record(
    line: Line, fmt: str, source: Source, now: float, where: str, max_record_bytes: int
) -> RawRecord | None:
    if not line.data.strip():
        return None
    origin = f"file:{where}:{line.offset}"
    if fmt == "ndjson" and not line.truncated:
        try:
            obj = orjson.loads(line.data)
        except orjson.JSONDecodeError:
            obj = None
        if isinstance(obj, dict):
            cut = cap_strings(obj, max_record_bytes)
            extra = truncation_flags(line.size if cut else None)
            return RawRecord(
                source=source, received_at=now, structured=obj, origin=origin, extra=extra
            )
    head = utf8_head(line.data, max_record_bytes)
    if line.size > len(head):
        head = drop_split_character(head)
    text = head.decode("utf-8", "surrogateescape")
    extra = truncation_flags(line.size if line.size > len(head) else None)
    return RawRecord(source=source, received_at=now, message=text, origin=origin, extra=extra)


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
