"""The spool: an append-only, segmented, bounded log on disk between receivers and the pipeline.

Guarantee (in Vector's words): at-least-once. ``append`` returns only after the
records are fsynced, so a receiver acknowledges its sender only then. The consumer
``commit``s a position after the next stage accepted everything before it; after a
crash it resumes from the last committed position, and the records since then are
replayed with the same ``origin`` (so the same document ids).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from secops.errors import SpoolError
from secops.records import RawRecord
from secops.spool.codec import encode
from secops.spool.reader import SpoolReader
from secops.spool.segments import (
    Position,
    list_segments,
    read_position,
    segment_path,
    spool_id,
    write_position,
)
from secops.spool.writer import SegmentWriter

if TYPE_CHECKING:
    from secops.accounting import SourceAccounting

DEFAULT_SEGMENT_BYTES = 64 << 20


class Spool:
    """One process owns a spool directory: receivers append, one consumer reads."""

    def __init__(
        self,
        directory: Path,
        *,
        max_bytes: int,
        segment_bytes: int = DEFAULT_SEGMENT_BYTES,
        accounting: SourceAccounting | None = None,
    ) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        os.chmod(directory, 0o700)  # raw logs
        self.id = spool_id(directory)
        self._accounting = accounting
        segments = list_segments(directory)
        committed = read_position(directory)
        used = sum(segment_path(directory, s).stat().st_size for s in segments)
        last = max([*segments, committed.segment if committed else -1])
        self._writer = SegmentWriter(
            directory,
            first_segment=last + 1,
            segment_bytes=min(segment_bytes, max_bytes),
            max_bytes=max_bytes,
            used_bytes=used,
        )
        if committed is None:
            committed = Position(segments[0] if segments else last + 1, 0)
        self._committed = committed
        self._reader = SpoolReader(directory, self.id, self._writer, committed)
        self._commit_lock = threading.Lock()

    # -- RecordSink --------------------------------------------------------------

    def append(self, records: Sequence[RawRecord]) -> None:
        """Store ``records`` durably (fsynced on return) or raise SpoolFullError/SpoolError."""
        if not records:
            return
        data = b"".join([encode(r) for r in records])
        self._writer.append(data)
        if self._accounting is not None:
            self._accounting.received(records)

    # -- consumer ----------------------------------------------------------------

    def read(
        self, max_records: int = 5000, *, wait: float = 0.0
    ) -> list[tuple[Position, RawRecord]]:
        """Records after the read position, each with the position to commit once it is
        processed; waits up to ``wait`` seconds for the first one."""
        self._writer.data_ready.clear()
        batch = self._reader.read(max_records)
        if not batch and wait > 0 and self._writer.data_ready.wait(wait):
            batch = self._reader.read(max_records)
        return batch

    def commit(self, position: Position) -> None:
        """Durably record that everything before ``position`` was processed, and delete
        the segments that lie wholly before it."""
        with self._commit_lock:
            if position < self._committed:
                raise SpoolError(
                    f"commit {position} behind committed {self._committed}",
                    where=str(self.directory),
                )
            write_position(self.directory, position)
            self._committed = position
            freed = 0
            for seg in list_segments(self.directory):
                if seg >= position.segment:
                    break
                path = segment_path(self.directory, seg)
                try:
                    freed += path.stat().st_size
                    path.unlink()
                except FileNotFoundError:
                    continue
            if freed:
                self._writer.release(freed)

    def rewind(self) -> None:
        """Read again from the committed position (after a failed delivery)."""
        self._reader.close()
        self._reader = SpoolReader(self.directory, self.id, self._writer, self._committed)

    @property
    def committed(self) -> Position:
        return self._committed

    @property
    def read_position(self) -> Position:
        return self._reader.position

    def caught_up(self) -> bool:
        """True when everything durable has been read and committed."""
        if self._committed < self._reader.returned:
            return False
        pos = self._reader.position
        active = self._writer.active_segment
        if pos.segment >= active:
            return pos.offset >= (self._writer.durable_end(pos.segment) or 0)
        for seg in list_segments(self.directory):  # pos is in a sealed segment
            if seg >= pos.segment:
                try:
                    size = segment_path(self.directory, seg).stat().st_size
                except FileNotFoundError:
                    continue
                if size > (pos.offset if seg == pos.segment else 0):
                    return False
        return True

    def stats(self) -> dict[str, int]:
        return {
            "used_bytes": self._writer.used_bytes,
            "segments": len(list_segments(self.directory)),
            "fsyncs": self._writer.fsyncs,
            "skipped_lines": self._reader.skipped,
        }

    def close(self) -> None:
        self._writer.close()
        self._reader.close()
