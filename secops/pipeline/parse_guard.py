"""A durable guard against a record that kills or freezes the process normalising it.

Before each record (or auditd group) is normalised, its id is written over
``<dir>/normalize.inflight``; after the batch the file is blanked. The write is a
single ``pwrite`` without fsync: it has to outlive the process (a kill -9, an
out-of-memory kill, an operator restarting a frozen service), not the machine.

On start, an id left in that file names the record the previous process died
on: one strike, noted in ``<dir>/normalize.strikes`` (fsynced). A record found in
flight at a second death in a row has struck twice: from then on it is stored
unparsed and tagged ``parse_budget_exceeded`` instead of being parsed again.
Without this, a record that freezes the parser freezes it again after every
restart, since the batch holding it was never committed; with one strike only, a
healthy record that happened to be in hand at an unrelated kill -9 would lose
its fields.

A strike is forgotten once its record has been normalised to the end.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from secops.spool.segments import write_durably

log = logging.getLogger(__name__)

INFLIGHT_FILE = "normalize.inflight"
STRIKES_FILE = "normalize.strikes"
STRIKES = 2  # deaths in a row on the same record before it is no longer parsed
_WIDTH = 64  # record ids are 32 hex digits; the slot is blanked with spaces
MAX_STRUCK = 10_000  # ids kept; the oldest are forgotten past that


class ParseGuard:
    """The in-flight note and the struck record ids of one worker's state directory."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self._fd = os.open(directory / INFLIGHT_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        self.strikes: dict[str, int] = self._load()

    @property
    def poisoned(self) -> set[str]:
        """Ids of the records that are no longer parsed."""
        return {record_id for record_id, n in self.strikes.items() if n >= STRIKES}

    def is_poisoned(self, record_id: str) -> bool:
        return self.strikes.get(record_id, 0) >= STRIKES

    def _load(self) -> dict[str, int]:
        strikes = _read_strikes(self.directory / STRIKES_FILE)
        left = os.pread(self._fd, _WIDTH, 0).decode("ascii", "replace").strip()
        if left:
            strikes[left] = strikes.pop(left, 0) + 1  # re-inserted: the newest last
            if strikes[left] >= STRIKES:
                log.error(
                    "normalize: the process died %d times while normalising record %s; "
                    "it will be stored unparsed (tag parse_budget_exceeded)",
                    strikes[left],
                    left,
                )
            else:
                log.warning(
                    "normalize: the previous process ended while normalising record %s; "
                    "it is parsed once more",
                    left,
                )
            strikes = dict(list(strikes.items())[-MAX_STRUCK:])
            self._save(strikes)
            self.leave()
        return strikes

    def _save(self, strikes: dict[str, int]) -> None:
        text = "".join(f"{i} {n}\n" for i, n in strikes.items())
        write_durably(self.directory / STRIKES_FILE, text.encode("ascii"))

    def enter(self, record_id: str) -> None:
        """Note ``record_id`` as the record being normalised now."""
        os.pwrite(self._fd, record_id.encode("ascii").ljust(_WIDTH)[:_WIDTH], 0)

    def parsed(self, record_id: str) -> None:
        """``record_id`` was normalised to the end: its strike, if any, is forgotten."""
        if 0 < self.strikes.get(record_id, 0) < STRIKES:
            del self.strikes[record_id]
            self._save(self.strikes)

    def leave(self) -> None:
        """No record in flight (the batch is normalised)."""
        os.pwrite(self._fd, b" " * _WIDTH, 0)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _read_strikes(path: Path) -> dict[str, int]:
    strikes: dict[str, int] = {}
    if path.exists():
        for line in path.read_text("ascii", "replace").splitlines():
            record_id, _, count = line.partition(" ")
            if record_id:
                strikes[record_id] = int(count) if count.isdigit() else STRIKES
    return strikes
