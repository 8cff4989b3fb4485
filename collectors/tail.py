"""File tailing: follow the lines appended to files matching globs; at-least-once.

Each poll reads the complete lines past the last offset of every file and appends
them to the spool; the offset is saved only afterwards, so a restart neither skips
nor repeats (a crash between the two repeats records with the same origin, hence
the same id, which the store keeps once). Rotation by rename is followed by the
open descriptor: the old file is read to its end before it is let go, and the new
one starts at 0. A file that shrank below its offset was truncated in place
(copytruncate) and is read again from 0. A last line without its newline waits.
"""

from __future__ import annotations

import asyncio
import glob
import logging
import os
import stat
import time
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from collectors import tail_state
from collectors.framing import Frame
from collectors.records import frame_record
from collectors.stats import ReceiverStats
from collectors.tail_state import FileOffset
from secops.errors import SpoolError, SpoolFullError
from secops.records import RawRecord, Source
from secops.spool import RecordSink

log = logging.getLogger(__name__)

READ_WINDOW = 1 << 20


@dataclass
class _Open:
    key: str
    path: str  # the name the file had when it was opened
    fd: int
    ino: int
    offset: int
    seq: int  # opening order: older files first
    rotated: bool = False


@dataclass(frozen=True, slots=True)
class _Line:
    offset: int
    frame: Frame


class Tailer:
    """Follows the files of ``globs``; call :meth:`poll_once` or run it as a receiver."""

    def __init__(
        self,
        sink: RecordSink,
        *,
        globs: Sequence[str],
        state_file: Path,
        stats: ReceiverStats | None = None,
        max_line_bytes: int = 64 * 1024,
        poll_interval: float = 0.25,
        executor: Executor | None = None,
    ) -> None:
        self.sink = sink
        self.globs = list(globs)
        self.state_file = state_file
        self.stats = stats or ReceiverStats()
        self.max_line_bytes = max_line_bytes
        self.poll_interval = poll_interval
        self.executor = executor
        self._saved = tail_state.load(state_file)
        self._open: dict[str, _Open] = {}
        self._seq = 0
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    # -- as a receiver of the service --------------------------------------

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self.close()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stopping:
            try:
                await loop.run_in_executor(self.executor, self.poll_once)
            except Exception:
                log.exception("file tailing poll failed")
            await asyncio.sleep(self.poll_interval)

    # -- the work ----------------------------------------------------------

    def poll_once(self) -> int:
        """Read and append what is new in every followed file; returns records appended."""
        self._discover()
        appended = 0
        # Rotated files first: their lines were written before those of their successors.
        for f in sorted(self._open.values(), key=lambda f: (not f.rotated, f.seq)):
            try:
                n = self._drain(f)
            except SpoolFullError:
                log.debug("spool full; file tailing waits")
                return appended
            except SpoolError as exc:
                log.warning("spool refused lines of %s: %s", f.path, exc)
                return appended
            appended += n
            if f.rotated and n == 0:
                self._forget(f)
        return appended

    def close(self) -> None:
        for f in self._open.values():
            os.close(f.fd)
        self._open.clear()

    def _discover(self) -> None:
        seen: set[str] = set()
        new: dict[str, tuple[str, os.stat_result]] = {}
        for pattern in self.globs:
            for path in sorted(glob.glob(pattern)):
                try:
                    st = os.stat(path)
                except OSError:
                    continue  # vanished between glob and stat
                if not stat.S_ISREG(st.st_mode):
                    continue
                key = tail_state.file_key(st)
                seen.add(key)
                if key not in self._open:
                    new[key] = (path, st)
        # The least recently written first, so that app.log.1 comes before app.log.
        for key, (path, st) in sorted(new.items(), key=lambda kv: kv[1][1].st_mtime_ns):
            self._open_file(path, key, st)
        for key, f in self._open.items():
            if key not in seen:
                f.rotated = True

    def _open_file(self, path: str, key: str, st: os.stat_result) -> None:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError as exc:
            log.warning("cannot open %s: %s", path, exc)
            return
        offset = 0
        saved = self._saved.get(key)
        same_file = (
            saved is not None
            and saved.offset <= st.st_size
            and tail_state.head_of(fd, saved.head_len) == (saved.head_len, saved.head_hash)
        )
        if saved is not None and same_file:
            offset, path = saved.offset, saved.path
        self._seq += 1
        self._open[key] = _Open(
            key=key, path=path, fd=fd, ino=st.st_ino, offset=offset, seq=self._seq
        )
        log.info("following %s from offset %d", path, offset)

    def _forget(self, f: _Open) -> None:
        os.close(f.fd)
        del self._open[f.key]
        if self._saved.pop(f.key, None) is not None:
            tail_state.save(self.state_file, self._saved)

    def _drain(self, f: _Open) -> int:
        size = os.fstat(f.fd).st_size
        if size < f.offset:
            log.warning("%s was truncated (%d < %d); reading from 0", f.path, size, f.offset)
            f.offset = 0
        total = 0
        while True:
            lines, end = read_lines(f.fd, f.offset, self.max_line_bytes)
            if end == f.offset:
                return total
            records = [self._record(f, line) for line in lines]
            if records:
                self.sink.append(records)
            f.offset = end
            self._save(f)
            source = Source(input="file", application=f.path)
            truncated = sum(1 for line in lines if line.frame.truncated)
            self.stats.received(source, len(records), truncated=truncated)
            total += len(records)

    def _record(self, f: _Open, line: _Line) -> RawRecord:
        return frame_record(
            line.frame,
            source=Source(input="file", application=f.path),
            received_at=time.time(),
            origin=f"file:{f.path}:{f.ino}:{line.offset}",
        )

    def _save(self, f: _Open) -> None:
        head_len, head_hash = tail_state.head_of(f.fd, f.offset)
        self._saved[f.key] = FileOffset(
            path=f.path, offset=f.offset, head_len=head_len, head_hash=head_hash
        )
        tail_state.save(self.state_file, self._saved)


def read_lines(fd: int, offset: int, max_line: int) -> tuple[list[_Line], int]:
    """Complete lines from ``offset`` (within one read window) and the offset after them.

    A line longer than ``max_line`` is cut and flagged; empty lines are skipped.
    """
    data = os.pread(fd, READ_WINDOW, offset)
    lines: list[_Line] = []
    pos = 0
    while (nl := data.find(b"\n", pos)) != -1:
        raw = data[pos:nl]
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if raw:
            lines.append(_Line(offset + pos, _cut(raw, max_line)))
        pos = nl + 1
    if pos == 0 and len(data) == READ_WINDOW:
        # One line longer than the window: find its end further on.
        end = _find_newline(fd, offset + READ_WINDOW)
        if end is not None:
            size = end - offset
            frame = Frame(data[:max_line], truncated=True, size=size)
            return [_Line(offset, frame)], end + 1
    return lines, offset + pos


def _cut(raw: bytes, max_line: int) -> Frame:
    if len(raw) > max_line:
        return Frame(raw[:max_line], truncated=True, size=len(raw))
    return Frame(raw, size=len(raw))


def _find_newline(fd: int, start: int) -> int | None:
    pos = start
    while chunk := os.pread(fd, READ_WINDOW, pos):
        nl = chunk.find(b"\n")
        if nl != -1:
            return pos + nl
        pos += len(chunk)
    return None
