"""File tailing: follow the lines appended to files matching globs; at-least-once.

Each poll reads the complete lines past the last offset of every file and appends
them to the spool; the offset is saved only afterwards, so a restart neither skips
nor repeats (a crash between the two repeats records with the same origin, hence
the same id, which the store keeps once). Rotation by rename is followed by the
open descriptor: the old file is read to its end before it is let go, and the new
one starts at 0. A file that shrank below its offset was truncated in place
(copytruncate) and is read again from 0. A last line without its newline waits.

Only regular files are followed, never through a symbolic link below the
directories the pattern names (see :mod:`collectors.file_open`); a refused path
is logged and counted once per file it names. A line longer than the record cap
is cut and flagged; while its end has not been written the tailer holds no more
than one read window, and remembers how far it has looked for the newline.
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
from collectors.file_open import RefusedFileError, not_regular, open_regular, untrusted_depth
from collectors.framing import Frame
from collectors.records import frame_record
from collectors.stats import ReceiverStats
from collectors.tail_state import FileOffset
from secops.errors import SpoolError, SpoolFullError
from secops.records import DEFAULT_MAX_RECORD_BYTES, RawRecord, Source
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
    scanned: int = 0  # a line longer than a window: its newline is not before this


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
        max_line_bytes: int = DEFAULT_MAX_RECORD_BYTES,
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
        self._refused: dict[str, str] = {}  # path -> identity of what was refused there
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
        listed: set[str] = set()
        new: dict[str, tuple[str, int, os.stat_result]] = {}
        for pattern in self.globs:
            depth = untrusted_depth(pattern)
            for path in sorted(glob.glob(pattern)):
                listed.add(path)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue  # vanished between glob and stat
                if stat.S_ISDIR(st.st_mode):
                    continue  # a directory the pattern matches holds no lines itself
                if not stat.S_ISREG(st.st_mode):
                    self._refuse(path, st, not_regular(st.st_mode, path))
                    continue
                key = tail_state.file_key(st)
                seen.add(key)
                if key not in self._open:
                    new[key] = (path, depth, st)
        # The least recently written first, so that app.log.1 comes before app.log.
        for key, (path, depth, st) in sorted(new.items(), key=lambda kv: kv[1][2].st_mtime_ns):
            self._open_file(path, depth, key, st)
        for key, f in self._open.items():
            if key not in seen:
                f.rotated = True
        for path in self._refused.keys() - listed:
            del self._refused[path]  # gone: refused again (and counted) if it comes back

    def _refuse(self, path: str, st: os.stat_result, exc: RefusedFileError) -> None:
        """Log and count a refused path once for each file found there."""
        identity = f"{tail_state.file_key(st)}:{st.st_mode}"
        if self._refused.get(path) == identity:
            return
        self._refused[path] = identity
        self.stats.refused(Source(input="file", application=path))
        log.warning("file tailing refuses %s: %s", path, exc.message)

    def _open_file(self, path: str, depth: int, key: str, st: os.stat_result) -> None:
        try:
            fd = open_regular(path, depth)
        except RefusedFileError as exc:
            self._refuse(path, st, exc)
            return
        except OSError as exc:
            log.warning("cannot open %s: %s", path, exc)
            return
        if tail_state.file_key(os.fstat(fd)) != key:
            os.close(fd)  # replaced between the listing and the open: next poll
            return
        self._refused.pop(path, None)
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
            lines, end, scanned = read_lines(f.fd, f.offset, self.max_line_bytes, f.scanned)
            if end == f.offset:
                f.scanned = scanned
                return total
            f.scanned = 0
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


def read_lines(
    fd: int, offset: int, max_line: int, scanned: int = 0
) -> tuple[list[_Line], int, int]:
    """Complete lines from ``offset`` (within one read window), the offset after them,
    and, when a line longer than the window has no newline yet, how far it was read.

    A line longer than ``max_line`` is cut and flagged; empty lines are skipped.
    ``scanned`` is where an earlier call stopped looking for that line's newline.
    """
    window = max(READ_WINDOW, max_line + 2)  # a line the window cannot hold is over the cap
    data = os.pread(fd, window, offset)
    lines: list[_Line] = []
    pos = 0
    while (nl := data.find(b"\n", pos)) != -1:
        raw = data[pos:nl]
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if raw:
            lines.append(_Line(offset + pos, _cut(raw, max_line)))
        pos = nl + 1
    if pos == 0 and len(data) == window:
        # One line longer than the window: find its end further on, a window at a time.
        end, scanned = _find_newline(fd, max(offset + window, scanned))
        if end is None:
            return [], offset, scanned
        frame = Frame(data[:max_line], truncated=True, size=end - offset)
        return [_Line(offset, frame)], end + 1, 0
    return lines, offset + pos, 0


def _cut(raw: bytes, max_line: int) -> Frame:
    if len(raw) > max_line:
        return Frame(raw[:max_line], truncated=True, size=len(raw))
    return Frame(raw, size=len(raw))


def _find_newline(fd: int, start: int) -> tuple[int | None, int]:
    """The offset of the next newline from ``start``, or None and where the file ends."""
    pos = start
    while chunk := os.pread(fd, READ_WINDOW, pos):
        nl = chunk.find(b"\n")
        if nl != -1:
            return pos + nl, pos
        pos += len(chunk)
    return None, pos
