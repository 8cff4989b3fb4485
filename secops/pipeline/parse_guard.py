"""A durable guard against a record that kills or freezes the process normalising it.

Before each record (or auditd group) is normalised, its id is written over
``<dir>/normalize.inflight``; after the batch the file is blanked. The write is a
single ``pwrite`` without fsync: it has to outlive the process (a kill -9, an
out-of-memory kill, an operator restarting a frozen service), not the machine.

On start, an id left in that file names the record the previous process died
on. It joins ``<dir>/normalize.poisoned`` (fsynced), and from then on that record
is stored unparsed and tagged ``parse_budget_exceeded`` instead of being parsed
again: without this, a record that freezes the parser freezes it again after
every restart, since the batch holding it was never committed.

A process killed for another reason while normalising marks the record in hand
the same way: that record is still stored, whole, only unparsed.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

INFLIGHT_FILE = "normalize.inflight"
POISONED_FILE = "normalize.poisoned"
_WIDTH = 64  # record ids are 32 hex digits; the slot is blanked with spaces
MAX_POISONED = 10_000  # ids kept; the oldest are forgotten past that


class ParseGuard:
    """The in-flight note and the poisoned ids of one worker's state directory."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self._fd = os.open(directory / INFLIGHT_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        self.poisoned: set[str] = self._load()

    def _load(self) -> set[str]:
        path = self.directory / POISONED_FILE
        ids = path.read_text("ascii").split() if path.exists() else []
        left = os.pread(self._fd, _WIDTH, 0).decode("ascii", "replace").strip()
        if left:
            log.error(
                "normalize: the previous process ended while normalising record %s; "
                "it will be stored unparsed (tag parse_budget_exceeded)",
                left,
            )
            ids.append(left)
            ids = ids[-MAX_POISONED:]
            _write_synced(path, "".join(f"{i}\n" for i in ids))
            self.leave()
        return set(ids)

    def enter(self, record_id: str) -> None:
        """Note ``record_id`` as the record being normalised now."""
        os.pwrite(self._fd, record_id.encode("ascii").ljust(_WIDTH)[:_WIDTH], 0)

    def leave(self) -> None:
        """No record in flight (the batch is normalised)."""
        os.pwrite(self._fd, b" " * _WIDTH, 0)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _write_synced(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="ascii") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
