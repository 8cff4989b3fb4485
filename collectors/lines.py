"""Lines of a byte stream, each kept up to a size: the excess is counted, not held.

Used where input arrives in chunks of any size (HTTP bodies, files being imported):
memory stays bounded by the chunk plus ``keep`` bytes, whatever the line lengths.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

WINDOW = 256 * 1024  # a large chunk is split in windows of this size


@dataclass(frozen=True, slots=True)
class Line:
    number: int  # 1-based
    offset: int  # byte offset of the line's first byte in the stream
    data: bytes  # the line without its LF (and CR); at most ``keep`` bytes of it
    size: int  # the line's full length, without its LF (and CR)

    @property
    def truncated(self) -> bool:
        return self.size > len(self.data)


class LineSplitter:
    """Incremental LF splitter: ``feed`` chunks, then ``finish`` for a last line without LF."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self._head = bytearray()  # kept part of the line being read
        self._size = 0  # its full length so far
        self._start = 0  # its offset
        self._number = 0
        self._pos = 0  # offset of the next byte fed

    def feed(self, chunk: bytes) -> Iterator[Line]:
        """The lines ``chunk`` completes, one window of it at a time."""
        for i in range(0, len(chunk), WINDOW):
            yield from self._feed(chunk[i : i + WINDOW])

    def finish(self) -> list[Line]:
        if not self._size:
            return []
        return [self._emit()]

    def _feed(self, chunk: bytes) -> Iterator[Line]:
        pieces = chunk.split(b"\n")
        last = pieces.pop()
        for piece in pieces:
            self._add(piece)
            line = self._emit()
            self._pos += 1  # the LF
            yield line
        self._add(last)

    def _add(self, piece: bytes) -> None:
        room = self.keep - len(self._head)
        if room > 0:
            self._head += piece[:room] if len(piece) > room else piece
        self._size += len(piece)
        self._pos += len(piece)

    def _emit(self) -> Line:
        data, size = bytes(self._head), self._size
        if size == len(data) and data.endswith(b"\r"):
            data, size = data[:-1], size - 1
        self._number += 1
        line = Line(number=self._number, offset=self._start, data=data, size=size)
        self._head.clear()
        self._size = 0
        self._start = self._pos + 1
        return line
