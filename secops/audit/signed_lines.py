"""Signed JSON-lines files in the state directory: appended, fsynced, read back with care.

Each line is one JSON object signed like the chain's entries: Ed25519 over the
SHA-256 of its canonical JSON without ``signature`` (keys sorted, no whitespace,
UTF-8). Appends take an exclusive ``flock``, so writers of several processes never
interleave bytes, and are fsynced before they return. A crash can leave the last
line without its newline (a torn write): the reader skips it, and the next append
cuts it off before writing, so it never glues onto a good line.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

log = logging.getLogger(__name__)

_CHUNK = 4096


def _digest(doc: dict[str, Any]) -> bytes:
    body = {k: v for k, v in doc.items() if k != "signature"}
    text = json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256(text.encode()).digest()


def sign_line(doc: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """``doc`` with its ``signature``."""
    return {**doc, "signature": base64.b64encode(key.sign(_digest(doc))).decode()}


def line_signature_valid(doc: dict[str, Any], key: Ed25519PublicKey) -> bool:
    signature = doc.get("signature")
    if not isinstance(signature, str):
        return False
    try:
        key.verify(base64.b64decode(signature, validate=True), _digest(doc))
    except (InvalidSignature, binascii.Error, ValueError, TypeError):
        return False
    return True


def encode(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _cut_torn_tail(fd: int) -> None:
    """Truncate after the last newline: bytes past it are a write that never finished."""
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return
    end = size
    while end > 0:
        start = max(0, end - _CHUNK)
        chunk = os.pread(fd, end - start, start)
        cut = chunk.rfind(b"\n")
        if cut >= 0:
            end = start + cut + 1
            break
        end = start
    log.warning("discarding %d bytes of an unfinished line", size - end)
    os.ftruncate(fd, end)


@contextmanager
def locked(path: Path) -> Iterator[int]:
    """The file open for reading and appending, under an exclusive lock, its torn tail cut."""
    created = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if created:  # the new name must survive a crash too
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        _cut_torn_tail(fd)
        yield fd
    finally:
        os.close(fd)  # releases the lock


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def append_lines(path: Path, docs: list[dict[str, Any]]) -> None:
    """Append ``docs`` (already signed), one line each, and fsync."""
    data = b"".join(encode(d) + b"\n" for d in docs)
    with locked(path) as fd:
        _write_all(fd, data)
        os.fsync(fd)


def rewrite_locked(fd: int, lines: list[bytes]) -> None:
    """Make ``lines`` the whole content of the file ``locked`` opened."""
    os.ftruncate(fd, 0)
    _write_all(fd, b"".join(line + b"\n" for line in lines))
    os.fsync(fd)


def read_locked(fd: int) -> Lines:
    size = os.fstat(fd).st_size
    return _split(os.pread(fd, size, 0) if size else b"")


@dataclass
class Lines:
    """What a file holds: its complete lines (number, text), and whether a torn tail was left."""

    lines: list[tuple[int, bytes]] = field(default_factory=list)
    torn_tail: bool = False


def read_lines(path: Path) -> Lines:
    """Every complete line; a last line without its newline is an unfinished write, skipped."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Lines()
    return _split(data)


def _split(data: bytes) -> Lines:
    parts = data.split(b"\n")
    tail = parts.pop()  # b"" when the file ends with a newline
    return Lines(
        lines=[(n, text) for n, text in enumerate(parts, start=1) if text.strip()],
        torn_tail=bool(tail),
    )


def parse_line(text: bytes) -> dict[str, Any] | None:
    try:
        doc = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None
