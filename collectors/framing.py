"""Syslog over a byte stream: split it into messages (RFC 6587).

Two framings exist. Octet counting (``<len> <msg>``) is recognised from the first
byte of a connection (a digit 1-9) and kept for the connection; everything else
is non-transparent framing, where LF, CRLF or NUL ends a message. A length prefix
that turns out not to be one (``2024-01-01 ...``) switches the connection to
non-transparent framing, so no byte is lost to a wrong guess.

A line end inside an octet count (rsyslog's ``RSYSLOG_SyslogProtocol23Format``
ends each message with LF) ends the line, it is not part of the message.

A message longer than the limit is cut at the limit and flagged, never dropped;
the framer keeps at most ``max_size`` bytes of a message in memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

_TERMINATOR = re.compile(rb"[\n\x00]")
_MAX_LENGTH_DIGITS = 10


@dataclass(frozen=True, slots=True)
class Frame:
    """One framed message; ``size`` is its full length when ``truncated``."""

    data: bytes
    truncated: bool = False
    size: int = 0


def strip_line_end(data: bytes) -> bytes:
    """``data`` without one trailing LF or CRLF."""
    if data.endswith(b"\n"):
        return data[:-2] if data.endswith(b"\r\n") else data[:-1]
    return data


class Mode(Enum):
    UNKNOWN = "unknown"
    OCTET_COUNTING = "octet-counting"
    NON_TRANSPARENT = "non-transparent"


class Framer:
    """Incremental framer of one connection: ``feed`` chunks, get complete frames."""

    def __init__(self, max_size: int = 64 * 1024) -> None:
        self.max_size = max_size
        self.mode = Mode.UNKNOWN
        self._buf = bytearray()
        # Octet counting: bytes of the current message still to skip past the limit.
        self._skip = 0
        self._skip_frame: tuple[bytes, int] | None = None
        # Non-transparent: a message over the limit, its kept head and full size so far.
        self._long: tuple[bytes, int] | None = None

    def feed(self, data: bytes) -> list[Frame]:
        self._buf += data
        frames: list[Frame] = []
        while True:
            if self.mode is Mode.UNKNOWN:
                if not self._buf:
                    return frames
                first = self._buf[0]
                self.mode = Mode.OCTET_COUNTING if 0x31 <= first <= 0x39 else Mode.NON_TRANSPARENT
            if self.mode is Mode.OCTET_COUNTING:
                if not self._octet_step(frames):
                    return frames
            else:
                self._lf_all(frames)
                return frames

    def flush(self) -> list[Frame]:
        """At end of stream: what is left becomes a last (possibly incomplete) frame."""
        frames: list[Frame] = []
        if self._skip_frame is not None:
            head, size = self._skip_frame
            frames.append(Frame(head, truncated=True, size=size - self._skip))
            self._skip_frame, self._skip = None, 0
        if self._long is not None:
            head, size = self._long
            frames.append(Frame(head, truncated=True, size=size + len(self._buf)))
            self._long = None
        elif self._buf.strip(b"\r\n\x00 "):
            tail = bytes(self._buf).rstrip(b"\r\n\x00")
            frames.append(Frame(tail, size=len(tail)))
        self._buf.clear()
        return frames

    # -- octet counting -------------------------------------------------------

    def _octet_step(self, frames: list[Frame]) -> bool:
        """Consume at most one frame; False when more input is needed."""
        if self._skip:
            n = min(self._skip, len(self._buf))
            del self._buf[:n]
            self._skip -= n
            if self._skip:
                return False
            assert self._skip_frame is not None
            head, size = self._skip_frame
            frames.append(Frame(head, truncated=True, size=size))
            self._skip_frame = None
        # Tolerate separators some senders put between counted frames.
        while self._buf[:1] in (b"\n", b"\r", b"\x00"):
            del self._buf[:1]
        if not self._buf:
            return False
        space = self._buf.find(b" ", 0, _MAX_LENGTH_DIGITS + 1)
        if space == -1:
            if len(self._buf) <= _MAX_LENGTH_DIGITS and self._buf.isdigit():
                return False  # the length prefix is still arriving
            self.mode = Mode.NON_TRANSPARENT
            return True
        prefix = bytes(self._buf[:space])
        if not prefix.isdigit() or prefix[:1] == b"0":
            self.mode = Mode.NON_TRANSPARENT
            return True
        length = int(prefix)
        body = space + 1
        if length <= self.max_size:
            if len(self._buf) < body + length:
                return False
            data = strip_line_end(bytes(self._buf[body : body + length]))
            frames.append(Frame(data, size=len(data)))
            del self._buf[: body + length]
            return True
        if len(self._buf) < body + self.max_size:
            return False
        head = bytes(self._buf[body : body + self.max_size])
        del self._buf[: body + self.max_size]
        self._skip = length - self.max_size
        self._skip_frame = (head, length)
        return True

    # -- non-transparent ------------------------------------------------------

    def _lf_all(self, frames: list[Frame]) -> None:
        pos = 0
        for match in _TERMINATOR.finditer(self._buf):
            line = bytes(self._buf[pos : match.start()])
            pos = match.end()
            if self._long is not None:
                head, size = self._long
                self._long = None
                frames.append(Frame(head, truncated=True, size=size + len(line)))
                continue
            if line.endswith(b"\r"):
                line = line[:-1]
            if not line:
                continue
            if len(line) > self.max_size:
                frames.append(Frame(line[: self.max_size], truncated=True, size=len(line)))
            else:
                frames.append(Frame(line, size=len(line)))
        del self._buf[:pos]
        self._hold_partial()

    def _hold_partial(self) -> None:
        """Keep a partial line, but never more than ``max_size`` bytes of it."""
        if self._long is not None:
            head, size = self._long
            self._long = (head, size + len(self._buf))
            self._buf.clear()
        elif len(self._buf) > self.max_size:
            self._long = (bytes(self._buf[: self.max_size]), len(self._buf))
            self._buf.clear()
