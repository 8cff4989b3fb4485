"""The records of the files `secops ingest` reads, each with a stable origin.

Text files (one record per line), NDJSON (one JSON object per line), JSON files of
pretty-printed objects or an array of objects (as ``evtx_dump -o json`` and
SigmaHQ's regression data write them) and Windows ``.evtx``. Text and JSON files
compressed with gzip (``.log.gz``, ``.json.gz``, as exported logs and sample sets
come) are read as they stream, their format told by the name inside.
"""

from __future__ import annotations

import gzip
import json
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from tqdm import tqdm

from collectors.lines import Line, LineSplitter
from secops.errors import InvalidInputError
from secops.records import (
    DEFAULT_MAX_RECORD_BYTES,
    RawRecord,
    Source,
    cap_strings,
    drop_split_character,
    truncation_flags,
    utf8_head,
)

FORMATS = ("auto", "text", "ndjson", "evtx")


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
