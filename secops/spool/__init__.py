"""The spool stage: a durable, bounded, on-disk queue between receiving and processing.

Receivers hand records to a :class:`RecordSink`; when ``append`` returns, the
records are fsynced and the sender may be acknowledged. A full spool raises
:class:`secops.errors.SpoolFullError` so that the receiver pushes back
(TCP stops reading, HTTP answers 503, UDP counts a drop).

:class:`Spool` is the sink of a running instance; the pipeline worker reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from secops.records import RawRecord


class RecordSink(Protocol):
    def append(self, records: Sequence[RawRecord]) -> None:
        """Store ``records`` durably (fsynced on return) or raise SpoolFullError/SpoolError."""
        ...


from secops.spool.segments import Position  # noqa: E402
from secops.spool.spool import Spool  # noqa: E402

__all__ = ["Position", "RecordSink", "Spool"]
