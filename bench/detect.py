"""Single-event detection throughput: all SigmaHQ Windows rules over real Windows events.

Run: .venv/bin/python bench/detect.py [--runs 3] [--events N]

Prints the rules loaded and events/s (median of the runs) for the engine, for
the same engine with evaluate_all (no routing, no prefilter: the baseline), and
for the engine with a tenth of the rules, with the ratios between them, and for
normalize + detect end to end. Then the whole SigmaHQ tree as users load it
(rules/, rules-emerging-threats/, rules-threat-hunting/: other products' rules
are loaded but inactive) over the same events, beside the Windows-only figure.
Events are the NXLog samples of ../shared/samples/windows, normalised by
secops.normalize before timing starts (except in the end-to-end figure, which
times normalising too).
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import time
from pathlib import Path

from enrichment import enricher_for

from secops.detect.engine import DetectionEngine
from secops.detect.loader import load_rules
from secops.normalize import normalize
from secops.records import RawRecord, Source

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
TREES = ("rules", "rules-emerging-threats", "rules-threat-hunting")


def load_records(limit: int | None) -> list[RawRecord]:
    records: list[RawRecord] = []
    source = Source(input="file")
    for path in sorted((SHARED / "samples" / "windows").glob("*.json.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                records.append(
                    RawRecord(source=source, received_at=0.0, structured=json.loads(line))
                )
    return records[:limit] if limit else records


def load_events(limit: int | None) -> list[dict]:
    return [normalize(record) for record in load_records(limit)]


def rate(engine: DetectionEngine, events: list[dict], runs: int) -> tuple[float, int]:
    """Median events/s over the runs, and matches per run."""
    speeds, matches = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        matches = 0
        for i, event in enumerate(events):
            matches += len(engine.match(event, str(i)))
        speeds.append(len(events) / (time.perf_counter() - start))
    return statistics.median(speeds), matches


def end_to_end(engine: DetectionEngine, records: list[RawRecord], runs: int) -> float:
    """Median events/s of normalize then match, record by record."""
    speeds = []
    for _ in range(runs):
        start = time.perf_counter()
        for i, record in enumerate(records):
            engine.match(normalize(record), str(i))
        speeds.append(len(records) / (time.perf_counter() - start))
    return statistics.median(speeds)


def end_to_end_enriched(engine: DetectionEngine, records: list[RawRecord], runs: int) -> float:
    """Median events/s of normalize, enrich, then match, record by record."""
    enricher = enricher_for([normalize(record) for record in records[:5000]])
    speeds = []
    for _ in range(runs):
        start = time.perf_counter()
        for i, record in enumerate(records):
            event = normalize(record)
            enricher.enrich([event])
            engine.match(event, str(i))
        speeds.append(len(records) / (time.perf_counter() - start))
    return statistics.median(speeds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--events", type=int, default=None, help="use only the first N events")
    parser.add_argument(
        "--baseline-events", type=int, default=3000, help="events for the slow evaluate_all run"
    )
    parser.add_argument(
        "--no-whole-tree", action="store_true", help="skip the run with all three SigmaHQ trees"
    )
    args = parser.parse_args()

    started = time.perf_counter()
    ruleset = load_rules([SHARED / "sigma" / "rules" / "windows"])
    load_s = time.perf_counter() - started
    print(f"rules loaded: {len(ruleset.rules)} ({len(ruleset.errors)} rejected) in {load_s:.1f}s")
    records = load_records(args.events)
    events = [normalize(record) for record in records]
    print(f"events: {len(events)}")

    engine = DetectionEngine(ruleset)
    rate(engine, events[:2000], 1)  # build the cached plans before timing
    full, full_matches = rate(engine, events, args.runs)
    baseline_events = events[: args.baseline_events]
    baseline, _ = rate(DetectionEngine(ruleset, evaluate_all=True), baseline_events, args.runs)
    tenth_set = ruleset.subset(ruleset.rules[::10])
    tenth_engine = DetectionEngine(tenth_set)
    rate(tenth_engine, events[:2000], 1)
    tenth, _ = rate(tenth_engine, events, args.runs)
    both = end_to_end(engine, records, args.runs)
    enriched = end_to_end_enriched(engine, records, args.runs)

    print(f"engine, all {len(ruleset.rules)} rules: {full:,.0f} events/s ({full_matches} matches)")
    print(f"evaluate_all baseline ({len(baseline_events)} events): {baseline:,.0f} events/s")
    print(f"engine, a tenth ({len(tenth_set.rules)} rules): {tenth:,.0f} events/s")
    print(f"ratio engine / evaluate_all: {full / baseline:.1f}x")
    print(f"ratio tenth / all (10x fewer rules): {tenth / full:.2f}x")
    print(f"normalize + detect, all {len(ruleset.rules)} rules: {both:,.0f} events/s")
    print(
        f"normalize + enrich + detect: {enriched:,.0f} events/s "
        f"(ratio without / with the enrich stage: {both / enriched:.2f}x)"
    )
    if not args.no_whole_tree:
        whole_tree(events, full, len(ruleset.rules), args.runs)


def whole_tree(events: list[dict], windows: float, windows_rules: int, runs: int) -> None:
    """The three SigmaHQ trees over the same events, beside the Windows-only figure."""
    started = time.perf_counter()
    ruleset = load_rules([SHARED / "sigma" / tree for tree in TREES])
    load_s = time.perf_counter() - started
    active = sum(1 for r in ruleset.rules if r.active)
    print(
        f"whole tree loaded: {len(ruleset.rules)} rules, {active} active "
        f"({len(ruleset.unsupported)} of an unsupported logsource), "
        f"{len(ruleset.errors)} rejected, in {load_s:.1f}s"
    )
    engine = DetectionEngine(ruleset)
    rate(engine, events[:2000], 1)
    speed, matches = rate(engine, events, runs)
    print(f"engine, whole tree ({active} active rules): {speed:,.0f} events/s ({matches} matches)")
    print(f"engine, Windows rules only ({windows_rules} rules): {windows:,.0f} events/s")
    print(f"ratio whole tree / Windows only: {speed / windows:.2f}x")


if __name__ == "__main__":
    main()
