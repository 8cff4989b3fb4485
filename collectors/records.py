"""Frames and lines into raw records: decoding, truncation flags, stable origins."""

from __future__ import annotations

from typing import Any

from collectors.framing import Frame
from secops.records import RawRecord, Source, drop_split_character, truncation_flags


def decode(data: bytes) -> tuple[str, bool]:
    """UTF-8 text and whether bytes had to be replaced (logs are not always UTF-8)."""
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True


def frame_record(
    frame: Frame,
    *,
    source: Source,
    received_at: float,
    origin: str,
    extra: dict[str, Any] | None = None,
) -> RawRecord:
    """A raw record of one framed message; truncation and bad bytes go in ``extra``."""
    data = frame.data
    if frame.truncated:
        # The framer cut at a byte count; keep the head whole characters only.
        data = drop_split_character(data)
    text, replaced = decode(data)
    tags: dict[str, Any] = dict(extra or {})
    if frame.truncated:
        tags.update(truncation_flags(frame.size))
    if replaced:
        tags["invalid_utf8"] = True
    return RawRecord(
        source=source, received_at=received_at, message=text, origin=origin, extra=tags
    )
