"""Timestamps as text: ISO-8601 in UTC with a ``Z``, one function per stored precision
(and the local time of a zone, for the enrichment stage).

Milliseconds is the ECS convention and what events, alerts and correlation carry;
seconds is what compliance results and reports show; microseconds orders the
entries of the audit trail. Each stored format stays as it was, so documents
already written read and compare the same.

An epoch in seconds (a float) is rounded to the precision; a datetime is cut to it,
as ``datetime.isoformat(timespec=...)`` does.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Literal

Timespec = Literal["seconds", "milliseconds", "microseconds"]


def _iso(value: datetime | float, timespec: Timespec) -> str:
    if not isinstance(value, datetime):
        value = datetime.fromtimestamp(value, UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def iso_millis(value: datetime | float) -> str:
    """``2024-05-01T12:00:00.123Z``: events, alerts, correlation windows."""
    if isinstance(value, datetime):
        return _iso(value, "milliseconds")
    secs = int(value // 1)
    ms = round((value - secs) * 1000)
    if ms == 1000:
        secs, ms = secs + 1, 0
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + f".{ms:03d}Z"


def iso_seconds(value: datetime | float) -> str:
    """``2024-05-01T12:00:00Z``: compliance results and reports."""
    return _iso(value, "seconds")


def iso_micros(value: datetime | float) -> str:
    """``2024-05-01T12:00:00.123456Z``: the audit trail's entries and checkpoints."""
    return _iso(value, "microseconds")


def local_millis(value: datetime) -> str:
    """``2026-03-14T11:00:00.000+03:30``: a time in its own zone (the parliament's local
    time the enrichment stage adds), never stored as the event's time."""
    if value.tzinfo is None:
        raise ValueError("a local time needs its zone")
    return value.isoformat(timespec="milliseconds")


def now_millis() -> str:
    return iso_millis(datetime.now(UTC))


def now_micros() -> str:
    return iso_micros(datetime.now(UTC))
