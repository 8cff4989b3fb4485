"""The raw record: what a collector hands to the spool, and the spool to normalize.

A record is one framed log message plus where it came from. It is deliberately
small and flat so that it serialises to one spool line cheaply.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Source:
    """Where a record came from; the key of the source accounting."""

    input: str  # "syslog-udp", "syslog-tcp", "syslog-tls", "http", "file", "cli"
    host: str | None = None  # the sending host as it names itself (syslog HOSTNAME, ...)
    address: str | None = None  # the peer address the record arrived from
    application: str | None = None  # app-name / program / file path / API key name


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One log message as received, before any parsing.

    ``message`` is the text exactly as framed (one syslog message, one file line,
    one raw HTTP line). ``structured`` holds an already-structured event (HTTP JSON,
    EVTX record as JSON) instead of text. ``format_hint`` names a parser when the
    sender said which format it speaks.
    """

    source: Source
    received_at: float  # epoch seconds at the receiver
    message: str | None = None
    structured: dict[str, Any] | None = None
    format_hint: str | None = None
    # Unique, replay-stable position (file path + offset, spool segment + offset);
    # two records with the same origin are the same record.
    origin: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def record_id(self) -> str:
        """Deterministic id: the same record replayed gets the same id."""
        h = hashlib.blake2b(digest_size=16)
        h.update(self.origin.encode())
        h.update(b"\x00")
        h.update((self.message or "").encode("utf-8", "surrogateescape"))
        if self.structured is not None:
            import orjson

            h.update(orjson.dumps(self.structured, option=orjson.OPT_SORT_KEYS))
        return h.hexdigest()


# -- the record-size cap -------------------------------------------------------
#
# Every input cuts a record longer than ``max_record_bytes`` before anything parses
# it: the head is kept (valid UTF-8, cut at a character boundary), the record is
# flagged in ``extra`` and normalize tags its event ``record_truncated``.

DEFAULT_MAX_RECORD_BYTES = 64 * 1024
TRUNCATED = "truncated"  # extra key: True when the record was cut
ORIGINAL_SIZE = "original_size"  # extra key: the record's size in bytes as received


def utf8_head(data: bytes, limit: int) -> bytes:
    """The first ``limit`` bytes of ``data``, less a UTF-8 sequence the cut split."""
    if len(data) <= limit:
        return data
    return drop_split_character(data[:limit])


def drop_split_character(head: bytes) -> bytes:
    """``head`` (the start of a longer text) less a last UTF-8 sequence left incomplete."""
    if not head:
        return head
    # Step back over continuation bytes (10xxxxxx) to the lead byte of the last
    # character; drop that character when its sequence does not fit whole.
    i = len(head) - 1
    while i > 0 and len(head) - i < 4 and head[i] & 0xC0 == 0x80:
        i -= 1
    if len(head) - i < _sequence_length(head[i]):
        return head[:i]
    return head


def _sequence_length(lead: int) -> int:
    if lead >> 5 == 0b110:
        return 2
    if lead >> 4 == 0b1110:
        return 3
    if lead >> 3 == 0b11110:
        return 4
    return 1  # ASCII, or not UTF-8 at all: nothing to keep whole


def cap_text(text: str, limit: int) -> tuple[str, int | None]:
    """``text`` cut to at most ``limit`` UTF-8 bytes, and its original size when cut."""
    if len(text) * 4 <= limit:  # a character is at most 4 bytes: no need to encode
        return text, None
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= limit:
        return text, None
    return utf8_head(data, limit).decode("utf-8", "replace"), len(data)


def cap_strings(value: Any, limit: int) -> int:
    """Cut, in place, every string of parsed JSON ``value`` longer than ``limit`` bytes.

    Returns how many were cut. Iterative: nesting as deep as a JSON parser accepts
    does not exhaust the interpreter's stack.
    """
    cut = 0
    stack: list[Any] = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in list(node):
                item = node[key]
                if isinstance(item, str):
                    item, size = cap_text(item, limit)
                    if size is not None:
                        node[key] = item
                        cut += 1
                elif isinstance(item, dict | list):
                    stack.append(item)
                if isinstance(key, str):
                    short, size = cap_text(key, limit)
                    if size is not None:
                        node[short] = node.pop(key)
                        cut += 1
        elif isinstance(node, list):
            for i, item in enumerate(node):
                if isinstance(item, str):
                    item, size = cap_text(item, limit)
                    if size is not None:
                        node[i] = item
                        cut += 1
                elif isinstance(item, dict | list):
                    stack.append(item)
    return cut


def truncation_flags(original_size: int | None) -> dict[str, Any]:
    """The ``extra`` entries of a record cut from ``original_size`` bytes (none if not cut)."""
    if original_size is None:
        return {}
    return {TRUNCATED: True, ORIGINAL_SIZE: original_size}
