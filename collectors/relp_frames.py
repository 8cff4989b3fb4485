"""RELP frames (librelp's ``doc/relp.html``): ``TXNR SP COMMAND SP DATALEN [SP DATA] LF``.

TXNR and DATALEN have 1 to 9 digits, COMMAND 1 to 32 letters; with DATALEN 0 there
is no SP and no DATA. The parser is incremental and keeps at most ``max_size``
bytes of a frame's data: the rest is skipped and the frame flagged truncated, as
every input cuts an oversized record. A byte stream that is not RELP stops the
parser (``error`` says why); the session cannot go on after it.
"""

from __future__ import annotations

from dataclasses import dataclass

from secops.errors import CollectError

MAX_TXNR = 999_999_999
_MAX_DIGITS = 9
_MAX_COMMAND = 32


class RelpFrameError(CollectError):
    """The peer does not speak RELP (or broke a frame)."""


@dataclass(frozen=True, slots=True)
class RelpFrame:
    txnr: int
    command: str
    data: bytes = b""
    size: int = 0  # DATALEN as announced (larger than ``data`` when truncated)

    @property
    def truncated(self) -> bool:
        return self.size > len(self.data)


def encode(txnr: int, command: str, data: bytes = b"") -> bytes:
    if not data:
        return b"%d %s 0\n" % (txnr, command.encode())
    return b"%d %s %d %s\n" % (txnr, command.encode(), len(data), data)


class RelpParser:
    """Incremental parser of one connection's frames."""

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self._buf = bytearray()
        # The frame whose data is being read: header, data kept, bytes still to come.
        self._open: tuple[int, str, int] | None = None
        self._kept = bytearray()
        self._left = 0
        self.error: RelpFrameError | None = None

    def feed(self, data: bytes) -> list[RelpFrame]:
        """The frames ``data`` completed; on a broken frame, those before it (see ``error``)."""
        frames: list[RelpFrame] = []
        if self.error is not None:
            return frames
        self._buf += data
        try:
            while True:
                if self._open is None and not self._header():
                    return frames
                frame = self._body()
                if frame is None:
                    return frames
                frames.append(frame)
        except RelpFrameError as exc:
            self.error = exc
            return frames

    @property
    def pending(self) -> bool:
        """True when a frame has begun but not ended (the peer hung up inside it)."""
        return bool(self._buf) or self._open is not None

    def _header(self) -> bool:
        """Parse a header at the start of the buffer; False when more bytes are needed."""
        buf = self._buf
        txnr, pos = _field(buf, 0, _MAX_DIGITS, b" ", "transaction number")
        if txnr is None:
            return False
        command, pos = _field(buf, pos, _MAX_COMMAND, b" ", "command")
        if command is None:
            return False
        length, end = _field(buf, pos, _MAX_DIGITS, b" \n", "data length")
        if length is None:
            return False
        if not txnr.isdigit() or not length.isdigit():
            raise RelpFrameError(f"not a RELP frame: {bytes(buf[:end])[:60]!r}")
        if not command.isalpha():
            raise RelpFrameError(f"bad RELP command {command[:40]!r}")
        size = int(length)
        if (size == 0) != (buf[end - 1 : end] == b"\n"):
            raise RelpFrameError(f"data length {size} does not match the frame")
        del buf[:end]
        if size == 0:
            self._buf[:0] = b"\n"  # the trailer, checked by _body as for any frame
        self._open = (int(txnr), command.decode("ascii"), size)
        self._kept.clear()
        self._left = size
        return True

    def _body(self) -> RelpFrame | None:
        """Data and trailer of the open frame; None when more bytes are needed."""
        assert self._open is not None
        if self._left:
            take = bytes(self._buf[: self._left])
            del self._buf[: len(take)]
            self._left -= len(take)
            room = self.max_size - len(self._kept)
            if room > 0:
                self._kept += take[:room]
            if self._left:
                return None
        if not self._buf:
            return None
        if self._buf[0] != 0x0A:
            raise RelpFrameError("RELP frame not ended by LF")
        del self._buf[:1]
        txnr, command, size = self._open
        self._open = None
        return RelpFrame(txnr, command, bytes(self._kept), size)


def _field(
    buf: bytearray, start: int, most: int, ends: bytes, what: str
) -> tuple[bytes | None, int]:
    """The field at ``start`` ended by one of ``ends`` and the position after its end."""
    for i in range(start, min(len(buf), start + most + 1)):
        if buf[i] in ends:
            if i == start:
                raise RelpFrameError(f"empty {what} in RELP frame")
            return bytes(buf[start:i]), i + 1
    if len(buf) > start + most:
        raise RelpFrameError(f"{what} of a RELP frame longer than {most} characters")
    return None, start
