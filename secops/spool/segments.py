"""Files of the spool directory: numbered segments, the spool id and the consumer position.

```
<spool_dir>/spool.id             random id of this spool, part of every origin
<spool_dir>/000000000007.log     segment 7: one record per line
<spool_dir>/consumer.pos         {"segment": 7, "offset": 4096}: next byte to process
```
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import orjson

from secops.errors import SpoolError

SEGMENT_SUFFIX = ".log"
POSITION_FILE = "consumer.pos"
ID_FILE = "spool.id"


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """A byte position in the spool: segment number and offset within it."""

    segment: int
    offset: int


def segment_path(directory: Path, segment: int) -> Path:
    return directory / f"{segment:012d}{SEGMENT_SUFFIX}"


def list_segments(directory: Path) -> list[int]:
    """Numbers of the segment files present, ascending."""
    out = []
    for entry in os.scandir(directory):
        name = entry.name
        if name.endswith(SEGMENT_SUFFIX) and name[: -len(SEGMENT_SUFFIX)].isdigit():
            out.append(int(name[: -len(SEGMENT_SUFFIX)]))
    return sorted(out)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durably(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically with ``data``: temp file, fsync, rename, fsync dir."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def spool_id(directory: Path) -> str:
    """This spool's id, created once; a wiped and recreated spool gets a new one, so
    origins (and so document ids) never repeat."""
    path = directory / ID_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        sid = secrets.token_hex(4)
        write_durably(path, sid.encode())
        return sid


def read_position(directory: Path) -> Position | None:
    path = directory / POSITION_FILE
    try:
        doc = orjson.loads(path.read_bytes())
        return Position(int(doc["segment"]), int(doc["offset"]))
    except FileNotFoundError:
        return None
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise SpoolError(f"unreadable consumer position: {exc}", where=str(path)) from exc


def write_position(directory: Path, position: Position) -> None:
    data = orjson.dumps({"segment": position.segment, "offset": position.offset})
    write_durably(directory / POSITION_FILE, data)
