"""The consuming side of the spool: records in order, each with the position after it.

Only durable bytes are read: sealed segments to their end, the active one up to
what the writer has fsynced. A line that does not decode (a torn last line after a
crash, zeros a file system left behind) is skipped and counted, never returned.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import BinaryIO

from secops.records import RawRecord
from secops.spool.codec import decode
from secops.spool.segments import Position, list_segments, segment_path
from secops.spool.writer import SegmentWriter

log = logging.getLogger(__name__)

CHUNK = 1 << 20


class SpoolReader:
    def __init__(self, directory: Path, sid: str, writer: SegmentWriter, start: Position) -> None:
        self._dir = directory
        self._sid = sid
        self._writer = writer
        self._pos = start
        self.returned = start  # position after the last record returned
        self._file: BinaryIO | None = None
        self._file_segment = -1
        self.skipped = 0  # lines that did not decode

    @property
    def position(self) -> Position:
        """Where the next read starts."""
        return self._pos

    def read(self, max_records: int) -> list[tuple[Position, RawRecord]]:
        """Up to ``max_records`` durable records that follow the read position."""
        out: list[tuple[Position, RawRecord]] = []
        while len(out) < max_records:
            seg, off = self._pos.segment, self._pos.offset
            end = self._writer.durable_end(seg)
            data = self._chunk(seg, off, end)
            if not data:
                if end is not None or not self._advance_segment(seg):
                    break
                continue
            used = self._lines(seg, off, data, out, max_records)
            if used == 0:
                if end is None and len(data) < CHUNK:
                    # last bytes of a sealed segment without a newline: a torn line
                    self._skip(seg, off, len(data), "torn last line")
                    used = len(data)
                elif end is None or off + len(data) < end:
                    data = self._long_line(seg, off, end)
                    used = self._lines(seg, off, data, out, max_records)
                    if used == 0:
                        self._skip(seg, off, len(data), "torn last line")
                        used = len(data)
                else:
                    break
            self._pos = Position(seg, off + used)
        if out:
            self.returned = out[-1][0]
        return out

    def _lines(
        self, seg: int, off: int, data: bytes, out: list[tuple[Position, RawRecord]], limit: int
    ) -> int:
        """Decode whole lines of ``data`` into ``out``; bytes consumed."""
        prefix = f"{self._sid}.{seg:08d}:"
        idx = 0
        find = data.find
        while len(out) < limit:
            nl = find(b"\n", idx)
            if nl < 0:
                break
            try:
                record = decode(data[idx:nl], origin=prefix + str(off + idx))
            except ValueError as exc:
                self._skip(seg, off + idx, nl - idx, str(exc))
            else:
                out.append((Position(seg, off + nl + 1), record))
            idx = nl + 1
        return idx

    def _skip(self, seg: int, off: int, length: int, why: str) -> None:
        self.skipped += 1
        log.warning("spool: skipped %d bytes at segment %d offset %d: %s", length, seg, off, why)

    def _open(self, seg: int) -> BinaryIO | None:
        if self._file_segment != seg:
            self.close()
            try:
                self._file = segment_path(self._dir, seg).open("rb")
            except FileNotFoundError:
                return None
            self._file_segment = seg
        return self._file

    def _chunk(self, seg: int, off: int, end: int | None, size: int = CHUNK) -> bytes:
        if end is not None:
            size = min(size, end - off)
            if size <= 0:
                return b""
        f = self._open(seg)
        if f is None:
            return b""
        f.seek(off)
        return f.read(size)

    def _long_line(self, seg: int, off: int, end: int | None) -> bytes:
        size = CHUNK
        while True:
            size *= 2
            data = self._chunk(seg, off, end, size)
            if b"\n" in data or len(data) < size:
                return data

    def _advance_segment(self, seg: int) -> bool:
        later = [s for s in list_segments(self._dir) if s > seg]
        if not later and self._writer.active_segment > seg:
            later = [self._writer.active_segment]  # not created yet: wait there
        if not later:
            return False
        self._pos = Position(later[0], 0)
        return True

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file = None
        self._file_segment = -1
