"""Worst-case cost of each parser on adversarial records (``bench/normalize.py --worst``).

For every case of :mod:`secops.normalize.adversarial` (one per parser), every
prefix x fragment attack is timed (repeated for at least 0.5 ms) at
``--rank-size`` characters to find the slowest ones; the ``--top`` slowest are
then timed at ``--size`` (64 KiB) in a child process that is killed after
``--timeout`` seconds. The table gives the
slowest record's CPU time, the median CPU time of an ordinary record of the same
parser measured in the same run, their ratio, and the ratio of their sizes (a
linear parser keeps the first near or below the second).
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
from collections.abc import Callable

from secops.normalize import normalize
from secops.normalize.adversarial import CASES, Case
from secops.records import RawRecord


def cpu_seconds(fn: Callable[[], object], *, min_total: float = 0.002, runs: int = 5) -> float:
    """Median CPU seconds of one call of ``fn`` (calls repeated until ``min_total``)."""
    samples = []
    for _ in range(runs):
        n = 0
        start = time.process_time()
        while True:
            fn()
            n += 1
            spent = time.process_time() - start
            if spent >= min_total:
                break
        samples.append(spent / n)
    return statistics.median(samples)


def _once(record: RawRecord) -> float:
    start = time.process_time()
    normalize(record)
    return time.process_time() - start


def _quick(record: RawRecord) -> float:
    return cpu_seconds(lambda: normalize(record), min_total=0.0005, runs=1)


def _median(record: RawRecord) -> float:
    return cpu_seconds(lambda: normalize(record), runs=3)


def _timed_in_child(record: RawRecord, timeout: float) -> float | None:
    """CPU seconds of one normalize() in a forked child; None when it ran past ``timeout``."""
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        pending = pool.apply_async(_median, (record,))
        try:
            return pending.get(timeout)
        except multiprocessing.TimeoutError:
            pool.terminate()
            return None


def worst(case: Case, *, size: int, rank_size: int, top: int, timeout: float) -> list[str]:
    ordinary = case.record(case.ordinary)
    base = cpu_seconds(lambda: normalize(ordinary))
    ranked = sorted(
        ((_quick(case.record(text)), label, prefix_fragment)
         for label, text, prefix_fragment in _attacks(case, rank_size)),
        reverse=True,
    )  # fmt: skip
    slowest: tuple[float | None, str] = (0.0, "-")
    for _, label, (prefix, fragment) in ranked[:top]:
        spent = _timed_in_child(case.record(case.build(prefix, fragment, size)), timeout)
        if spent is None or (slowest[0] is not None and spent > slowest[0]):
            slowest = (spent, label)
        if spent is None:
            break
    spent, label = slowest
    shown = f">{timeout:.0f} s" if spent is None else f"{spent * 1000:9.1f} ms"
    ratio = f">{timeout / base:,.0f}" if spent is None else f"{spent / base:,.0f}"
    return [case.parser, label, shown, f"{base * 1e6:8.1f} µs", ratio,
            f"{size / len(case.ordinary):,.0f}"]  # fmt: skip


def _attacks(case: Case, size: int) -> list[tuple[str, str, tuple[str, str]]]:
    out = []
    for i, prefix in enumerate(case.prefixes):
        for fragment in case.fragments:
            out.append(
                (f"p{i} {fragment!r}", case.build(prefix, fragment, size), (prefix, fragment))
            )
    return out


def main(*, size: int, rank_size: int, top: int, timeout: float, parsers: list[str]) -> None:
    header = ["parser", "slowest attack", f"{size // 1024} KiB record", "ordinary", "ratio",
              "size ratio"]  # fmt: skip
    rows = [header]
    for case in CASES:
        if parsers and case.parser not in parsers:
            continue
        rows.append(worst(case, size=size, rank_size=rank_size, top=top, timeout=timeout))
        _print_row(rows[-1], first=len(rows) == 2, header=header)


def _print_row(row: list[str], *, first: bool, header: list[str]) -> None:
    widths = (18, 28, 14, 12, 10, 10)
    if first:
        print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join(c[:w].ljust(w) for c, w in zip(row, widths, strict=True)), flush=True)
