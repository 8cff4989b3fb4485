"""Where file tailing stopped: one small JSON file, replaced atomically.

A file is known by device and inode plus a hash of its first bytes, so that an
inode reused by a new file is not mistaken for the old one. An offset is written
only after the records before it were appended to the spool.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from secops.errors import CollectError
from secops.spool.segments import write_durably

HEAD_BYTES = 1024


@dataclass(frozen=True, slots=True)
class FileOffset:
    path: str
    offset: int
    head_len: int
    head_hash: str


def file_key(st: os.stat_result) -> str:
    return f"{st.st_dev}:{st.st_ino}"


def head_of(fd: int, length: int) -> tuple[int, str]:
    """Length and hash of the first ``min(length, HEAD_BYTES)`` bytes of an open file."""
    data = os.pread(fd, min(length, HEAD_BYTES), 0)
    return len(data), hashlib.blake2b(data, digest_size=16).hexdigest()


def load(path: Path) -> dict[str, FileOffset]:
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise CollectError(f"unreadable tail state: {exc}", where=str(path)) from exc
    try:
        return {key: FileOffset(**value) for key, value in raw.items()}
    except (TypeError, AttributeError) as exc:
        raise CollectError(f"malformed tail state: {exc}", where=str(path)) from exc


def save(path: Path, offsets: dict[str, FileOffset]) -> None:
    """Write the state durably: temp file, fsync, rename, fsync the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps({k: asdict(v) for k, v in sorted(offsets.items())}, indent=1)
    write_durably(path, data.encode())
