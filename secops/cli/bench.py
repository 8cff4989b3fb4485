"""`secops bench detect|ingest|normalize|alert-latency`: the benchmarks of bench/.

Each benchmark is a script of the source tree (it reads the shared samples beside
the repository); this command runs it with the same interpreter and passes the
remaining arguments through.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from secops.errors import ConfigError

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"
SCRIPTS = {
    "detect": "detect.py",
    "ingest": "ingest.py",
    "normalize": "normalize.py",
    "alert-latency": "alert_latency.py",
}


def register(sub: argparse._SubParsersAction) -> None:
    bench = sub.add_parser("bench", help="run a benchmark of bench/ (prints medians and ratios)")
    bench.add_argument("name", choices=sorted(SCRIPTS))
    bench.add_argument("args", nargs=argparse.REMAINDER, help="passed to the benchmark")
    bench.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    script = BENCH_DIR / SCRIPTS[args.name]
    if not script.is_file():
        raise ConfigError("benchmarks run from a source checkout", where=str(script))
    return subprocess.call([sys.executable, str(script), *args.args])
