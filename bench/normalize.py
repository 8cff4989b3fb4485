"""Throughput of secops.normalize on the shared samples: median records/s of 5 runs.

Baseline in the same run: ``str.split`` over the same lines (the floor of any parser),
reported as a ratio. Run: ``.venv/bin/python bench/normalize.py``.
"""

from __future__ import annotations

import gzip
import statistics
import time
from pathlib import Path

from secops.normalize import normalize
from secops.records import RawRecord, Source

SAMPLES = Path(__file__).resolve().parents[1] / ".." / "shared" / "samples"
SETS = {
    "syslog sshd (OpenSSH_2k)": "loghub/OpenSSH_2k.log",
    "syslog mixed (Linux_2k)": "loghub/Linux_2k.log",
    "apache error (Apache_2k)": "loghub/Apache_2k.log",
    "windows nxlog (38,853)": "windows/*.json.gz",
}


def _lines(pattern: str) -> list[str]:
    out: list[str] = []
    for path in sorted(SAMPLES.glob(pattern)):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
            out.extend(line.rstrip("\n") for line in fh if line.strip())
    return out


def _median_rate(fn: object, items: list[object], runs: int = 5) -> float:
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        for item in items:
            fn(item)  # type: ignore[operator]
        rates.append(len(items) / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    source = Source(input="file")
    for name, pattern in SETS.items():
        lines = _lines(pattern)
        records = [RawRecord(source=source, received_at=time.time(), message=x) for x in lines]
        rate = _median_rate(normalize, records)  # type: ignore[arg-type]
        floor = _median_rate(str.split, lines)  # type: ignore[arg-type]
        print(f"{name:28s} {len(lines):6d} lines  {rate:10,.0f} records/s  "
              f"(str.split {floor:,.0f}/s, ratio {floor / rate:.1f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
