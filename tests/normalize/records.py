"""Building raw records from text and from the shared sample files."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

from secops.records import RawRecord, Source

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples"
SIGMA = Path(__file__).resolve().parents[2] / ".." / "shared" / "sigma"
# 2026-01-01T00:00:00Z: December lines of year-less syslog belong to 2025
RECEIVED = 1767225600.0


def record(
    message: str | None = None,
    *,
    structured: dict[str, Any] | None = None,
    hint: str | None = None,
    received_at: float = RECEIVED,
    application: str | None = None,
    input_: str = "file",
) -> RawRecord:
    return RawRecord(
        source=Source(input=input_, host="collector-host", address="10.9.9.9",
                      application=application),
        received_at=received_at,
        message=message,
        structured=structured,
        format_hint=hint,
    )  # fmt: skip


def sample_lines(relative: str) -> list[str]:
    path = SAMPLES / relative
    opener = gzip.open if relative.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="surrogateescape") as fh:
        return [line.rstrip("\n") for line in fh if line.strip()]


def sample_records(relative: str) -> list[RawRecord]:
    return [record(line, application=str(SAMPLES / relative)) for line in sample_lines(relative)]
