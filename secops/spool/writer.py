"""The appending side of the spool: group commit of many appenders into one fsync.

An appender queues its encoded lines and waits. Whoever finds no flush running
becomes the leader: it takes everything queued, writes it to the active segment
in one go, fdatasyncs, and wakes everybody whose lines it made durable. While it
writes, newcomers queue up for the next flush, so under load every fsync carries
the records of many threads.

A failed write is cut off again (ftruncate to the last durable size) and every
appender of that flush gets the error; nothing half-written is acknowledged.
"""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

from secops.errors import SpoolError, SpoolFullError
from secops.spool.segments import fsync_dir, segment_path

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class _Pending:
    __slots__ = ("data", "done", "error")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.done = False
        self.error: SpoolError | None = None


class SegmentWriter:
    """Appends to numbered segment files; starts a fresh segment at every start-up."""

    def __init__(
        self,
        directory: Path,
        *,
        first_segment: int,
        segment_bytes: int,
        max_bytes: int,
        used_bytes: int,
    ) -> None:
        self._dir = directory
        self._segment_bytes = segment_bytes
        self._max_bytes = max_bytes
        self._used = used_bytes  # bytes of all segment files on disk (durable)
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._queue: list[_Pending] = []
        self._queued_bytes = 0
        self._flushing = False
        self._closed = False
        self._segment = first_segment
        self._fd: int | None = None  # created on first write
        self._size = 0  # durable size of the active segment
        self.fsyncs = 0
        self.data_ready = threading.Event()  # set after each flush, for the reader

    # -- what the reader may see -------------------------------------------------

    def durable_end(self, segment: int) -> int | None:
        """Readable end of ``segment``: an int for the active one, None for a sealed one."""
        with self._lock:
            if segment < self._segment:
                return None
            return self._size if segment == self._segment else 0

    @property
    def active_segment(self) -> int:
        return self._segment

    @property
    def used_bytes(self) -> int:
        return self._used

    def release(self, nbytes: int) -> None:
        """Segments of ``nbytes`` were deleted by the consumer."""
        with self._lock:
            self._used -= nbytes

    # -- appending ---------------------------------------------------------------

    def append(self, data: bytes) -> None:
        """Write ``data`` (whole lines) durably, or raise SpoolFullError / SpoolError."""
        with self._cond:
            if self._closed:
                raise SpoolError("spool is closed", where=str(self._dir))
            if self._used + self._queued_bytes + len(data) > self._max_bytes:
                raise SpoolFullError(
                    f"spool holds {self._used} of {self._max_bytes} bytes", where=str(self._dir)
                )
            item = _Pending(data)
            self._queue.append(item)
            self._queued_bytes += len(data)
            while not item.done:
                if self._flushing:
                    self._cond.wait()
                    continue
                batch, self._queue = self._queue, []
                total, self._queued_bytes = self._queued_bytes, 0
                self._flushing = True
                self._lock.release()
                try:
                    error = self._write([p.data for p in batch], total)
                finally:
                    self._lock.acquire()
                    self._flushing = False
                for pending in batch:
                    pending.done = True
                    pending.error = error
                if error is None:
                    self._used += total
                self._cond.notify_all()
            if item.error is not None:
                raise item.error
        self.data_ready.set()

    def _open_segment(self) -> int:
        path = segment_path(self._dir, self._segment)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        fsync_dir(self._dir)
        return fd

    def _write(self, chunks: list[bytes], total: int) -> SpoolError | None:
        """Runs without the lock, in one thread at a time (the leader)."""
        try:
            if self._fd is not None and self._size and self._size + total > self._segment_bytes:
                os.close(self._fd)
                self._fd = None
                with self._lock:  # the reader must see the new active segment atomically
                    self._segment += 1
                    self._size = 0
            if self._fd is None:
                self._fd = self._open_segment()
        except OSError as exc:
            return self._error(exc)
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
            os.fdatasync(self._fd)
        except OSError as exc:
            self._cut_back()
            return self._error(exc)
        self.fsyncs += 1
        with self._lock:
            self._size += total
        return None

    def _cut_back(self) -> None:
        """Remove a partial write; if even that fails, continue in a new segment
        (the reader skips what it cannot decode)."""
        assert self._fd is not None
        try:
            os.ftruncate(self._fd, self._size)
            os.fdatasync(self._fd)
            os.lseek(self._fd, self._size, os.SEEK_SET)
        except OSError:
            os.close(self._fd)
            self._fd = None
            with self._lock:
                self._segment += 1
                self._size = 0

    def _error(self, exc: OSError) -> SpoolError:
        where = str(segment_path(self._dir, self._segment))
        if exc.errno in _FULL_ERRNOS:
            return SpoolFullError(f"disk full: {exc.strerror}", where=where)
        return SpoolError(f"cannot write: {exc}", where=where)

    def close(self) -> None:
        with self._cond:
            while self._flushing:
                self._cond.wait()
            self._closed = True
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
        self.data_ready.set()
