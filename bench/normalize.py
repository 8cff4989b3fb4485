"""Throughput of secops.normalize on the shared samples: median records/s of 5 runs.

Baseline in the same run: ``str.split`` over the same lines (the floor of any parser),
reported as a ratio. Each set is also timed through normalize + enrich (the enrich
stage, with a directory of half the accounts), and the cost of the stage given as
the ratio of the two rates. Run: ``.venv/bin/python bench/normalize.py``.

``--worst``: the slowest 64 KiB adversarial record per parser and its ratio to an
ordinary record of that parser (see ``normalize_worst.py``).
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import time
from pathlib import Path

from enrichment import enricher_for, parliament_records

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
    sets = {name: _lines(pattern) for name, pattern in SETS.items()}
    for name, lines in sets.items():
        records = [RawRecord(source=source, received_at=time.time(), message=x) for x in lines]
        rate = _median_rate(normalize, records)  # type: ignore[arg-type]
        floor = _median_rate(str.split, lines)  # type: ignore[arg-type]
        print(f"{name:28s} {len(lines):6d} lines  {rate:10,.0f} records/s  "
              f"(str.split {floor:,.0f}/s, ratio {floor / rate:.1f}x)")  # fmt: skip
    print("with the enrich stage (normalize + enrich, same records):")
    enrich_sets = {
        name: [RawRecord(source=source, received_at=time.time(), message=x) for x in lines]
        for name, lines in sets.items()
    }
    enrich_sets["parliament dms (synthetic)"] = parliament_records(20_000)
    for name, records in enrich_sets.items():
        enricher = enricher_for([normalize(r) for r in records])

        def both(record: RawRecord, enricher: object = enricher) -> None:
            enricher.enrich([normalize(record)])  # type: ignore[attr-defined]

        plain = _median_rate(normalize, records)  # type: ignore[arg-type]
        enriched = _median_rate(both, records)  # type: ignore[arg-type]
        print(f"{name:28s} {plain:10,.0f} records/s without, {enriched:10,.0f} with "
              f"(ratio {plain / enriched:.2f}x)")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worst", action="store_true", help="adversarial worst case per parser")
    parser.add_argument("--size", type=int, default=64 * 1024, help="record size for --worst")
    parser.add_argument("--rank-size", type=int, default=4096, help="size to rank attacks at")
    parser.add_argument("--top", type=int, default=5, help="attacks timed at --size per parser")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per record")
    parser.add_argument("--parser", action="append", default=[], help="only this parser")
    args = parser.parse_args()
    if args.worst:
        from normalize_worst import main as worst

        worst(size=args.size, rank_size=args.rank_size, top=args.top, timeout=args.timeout,
              parsers=args.parser)  # fmt: skip
    else:
        main()
