"""What Sigma filters cost: the SigmaHQ Windows rules with and without a filter on every rule.

Run: .venv/bin/python bench/filters.py [--runs 5] [--events N]

Loads ../shared/sigma/rules/windows twice: as is, and with one filter document
(``rules: any`` of product windows, excluding ``auditpol.exe``) compiled into
every rule. Both engines run over the same normalised NXLog samples of
../shared/samples/windows, their runs interleaved (the machine's load hits both
alike); prints the median events/s of each, the ratio, the matches of each and
the events the filter dropped (matches without = matches with + dropped).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from detect import SHARED, load_records, rate

from secops.detect.engine import DetectionEngine
from secops.detect.loader import load_rules
from secops.normalize import normalize

FILTER = r"""title: The administrators' audit policy runs
id: 0e0e0e0e-0000-4000-8000-00000000f117
logsource:
    product: windows
filter:
    rules: any
    admins_auditpol:
        Image|endswith: '\auditpol.exe'
    condition: not admins_auditpol
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--events", type=int, default=None, help="use only the first N events")
    args = parser.parse_args()

    windows = SHARED / "sigma" / "rules" / "windows"
    plain = load_rules([windows])
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "auditpol_filter.yml").write_text(FILTER)
        filtered = load_rules([windows, Path(tmp)])
    (spec,) = filtered.filters
    print(f"rules: {len(plain.rules)}; the filter is compiled into {len(spec.applied_to)}")
    events = [normalize(record) for record in load_records(args.events)]
    print(f"events: {len(events)}")

    engines = {"without filter": DetectionEngine(plain), "with filter": DetectionEngine(filtered)}
    speeds: dict[str, list[float]] = {name: [] for name in engines}
    matches: dict[str, int] = {}
    for engine in engines.values():
        rate(engine, events[:2000], 1)  # build the cached plans before timing
        engine.drops = type(engine.drops)()  # count the timed runs only
    for _ in range(args.runs):
        for name, engine in engines.items():
            speed, matches[name] = rate(engine, events, 1)
            speeds[name].append(speed)
    dropped = sum(engines["with filter"].drops.snapshot().values()) // args.runs
    for name in engines:
        print(f"{name}: {statistics.median(speeds[name]):,.0f} events/s, {matches[name]} matches")
    print(f"dropped by the filter: {dropped} per run")
    ratio = statistics.median(speeds["with filter"]) / statistics.median(speeds["without filter"])
    print(f"ratio with / without the filter: {ratio:.2f}x")


if __name__ == "__main__":
    main()
