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
