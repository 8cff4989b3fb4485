"""`secops ingest FILE…`: a one-off import of log files into the store.

Text files (one record per line), NDJSON (one JSON object per line) and Windows
``.evtx`` go through the same normalize → detect → store path as live records.
Each record's origin is the file path plus its byte offset (or EVTX record
number), so its document id is stable and importing a file again is a no-op.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
from tqdm import tqdm

from secops.accounting import SourceAccounting
from secops.cli.deployment import open_context
from secops.context import Context
from secops.errors import InvalidInputError
from secops.pipeline.deliver import deliver
from secops.pipeline.detection import NoDetection
from secops.pipeline.normalizing import is_unparsed
from secops.records import RawRecord, Source
from secops.store.bulk import RetryPolicy

FORMATS = ("auto", "text", "ndjson", "evtx")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="import log files (text, NDJSON, .evtx) once")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--format", choices=FORMATS, default="auto", help="default: by file extension")
    p.add_argument("--host", help="host the logs come from (default: unknown)")
    p.add_argument("--batch", type=int, default=2000, help="records per bulk request")
    p.set_defaults(func=_ingest)


@dataclass
class Counts:
    read: int = 0
    indexed: int = 0
    already: int = 0
    unparsed: int = 0
    deadlettered: int = 0


def file_format(path: Path, requested: str = "auto") -> str:
    if requested != "auto":
        return requested
    suffix = path.suffix.lower()
    if suffix == ".evtx":
        return "evtx"
    if suffix in (".ndjson", ".jsonl", ".json"):
        return "ndjson"
    return "text"


def read_records(
    path: Path,
    fmt: str,
    source: Source,
    progress: tqdm,
) -> Iterator[RawRecord]:
    """The records of one file, each with an origin of file path and position."""
    where = str(path.resolve())
    now = time.time()
    if fmt == "evtx":
        from evtx import PyEvtxParser

        for rec in PyEvtxParser(str(path)).records_json():
            progress.update(1)
            if rec is None:
                continue
            yield RawRecord(
                source=source,
                received_at=now,
                structured=json.loads(rec["data"]),
                format_hint="windows",
                origin=f"evtx:{where}:{rec['event_record_id']}",
            )
        return
    offset = 0
    with path.open("rb") as f:
        for raw in f:
            start, offset = offset, offset + len(raw)
            progress.update(len(raw))
            text = raw.rstrip(b"\r\n").decode("utf-8", "surrogateescape")
            if not text.strip():
                continue
            origin = f"file:{where}:{start}"
            if fmt == "ndjson":
                try:
                    obj = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    obj = None
                if isinstance(obj, dict):
                    yield RawRecord(source=source, received_at=now, structured=obj, origin=origin)
                    continue
            yield RawRecord(source=source, received_at=now, message=text, origin=origin)


def _ingest(args: argparse.Namespace) -> int:
    for path in args.files:
        if not path.is_file():
            raise InvalidInputError("not a readable file", where=str(path))
    accounting = SourceAccounting()
    total = Counts()
    stop = threading.Event()
    with open_context() as ctx:
        for path in args.files:
            fmt = file_format(path, args.format)
            source = Source("file", host=args.host, application=path.name)
            unit, size = ("rec", None) if fmt == "evtx" else ("B", path.stat().st_size)
            with tqdm(total=size, unit=unit, unit_scale=True, desc=path.name) as progress:
                batch: list[RawRecord] = []
                for record in read_records(path, fmt, source, progress):
                    batch.append(record)
                    if len(batch) >= args.batch:
                        _send(ctx, batch, accounting, stop, total)
                        batch = []
                if batch:
                    _send(ctx, batch, accounting, stop, total)
    print(
        f"read {total.read}, indexed {total.indexed}, already present {total.already}, "
        f"unparsed {total.unparsed}, dead-lettered {total.deadlettered}"
    )
    return 0


def _send(
    ctx: Context,
    batch: list[RawRecord],
    accounting: SourceAccounting,
    stop: threading.Event,
    total: Counts,
) -> None:
    groups, report = deliver(
        batch,
        es=ctx.es,
        names=ctx.names,
        detector=NoDetection(),
        accounting=accounting,
        policy=RetryPolicy(),
        stop=stop,
    )
    total.read += len(batch)
    total.indexed += report.created
    total.already += report.existed
    total.deadlettered += len(report.deadlettered)
    total.unparsed += sum(1 for _, event in groups if is_unparsed(event))
