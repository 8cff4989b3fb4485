"""Every parser runs in time linear in its input.

A 64 KiB syslog line ``... dms: app=dms a.a.a.a...`` took 17 s to normalise: the
key=value regex was retried from every character of a run without ``=``.

Cost here is the CPU time of this thread (other processes on the machine do not
count), the median of several runs, so the measure is a ratio, not a wall-clock
bound: a record whose attacked part is 16 x longer may cost at most 64 x more.
A linear parser stays at or below 16 x (less, with its fixed cost); a quadratic
one goes to ~256 x.
"""

from __future__ import annotations

import gc
import statistics
import time

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from secops.normalize import normalize, normalize_many
from secops.normalize.adversarial import CASES, SYSLOG, Case
from secops.normalize.registry import PARSERS
from secops.records import RawRecord, Source

SMALL = 1024  # characters of the attacked part of the small record
FACTOR = 16  # the large record's attacked part is FACTOR x longer
BOUND = 64  # largest cost ratio accepted (linear: <= FACTOR; quadratic: ~FACTOR²)


def cost(record: RawRecord, *, runs: int = 5, min_total: float = 0.001) -> float:
    """Median CPU seconds of one normalize(record) on this thread."""
    normalize(record)  # warm caches (compiled patterns, first-call imports)
    samples = []
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(runs):
            n, start = 0, time.thread_time()
            while True:
                normalize(record)
                n += 1
                spent = time.thread_time() - start
                if spent >= min_total:
                    break
            samples.append(spent / n)
    finally:
        if enabled:
            gc.enable()
    return statistics.median(samples)


def growth(case: Case, prefix: str, fragment: str) -> float:
    small = case.record(case.build(prefix, fragment, len(prefix) + SMALL + len(case.suffix)))
    large = case.record(
        case.build(prefix, fragment, len(prefix) + SMALL * FACTOR + len(case.suffix))
    )
    return cost(large) / cost(small)


def test_every_registered_parser_has_an_adversarial_case() -> None:
    covered = {case.parser for case in CASES}
    assert {parser.dataset for parser in PARSERS.values()} <= covered


def _case(parser: str) -> Case:
    return next(c for c in CASES if c.parser == parser)


# records that went quadratic before the tokenisers were rewritten (the first is the
# one reported); the property test below searches beyond them
KNOWN = [
    ("parliament.dms", SYSLOG + "dms: app=dms ", "a."),
    ("linux.auditd", "type=SYSCALL msg=audit(1700000000.123:42): ", "0"),
    ("linux.pam", SYSLOG + "login[3]: pam_unix(login:auth): authentication failure; ", "0"),
    ("linux.accounts", SYSLOG + "useradd[5]: new user: ", "0"),
    ("linux.su", SYSLOG + "su[9]: + pts/0 ", ":"),
    ("parliament.portal", _case("parliament.portal").prefixes[0], "0"),
]


@pytest.mark.parametrize(("parser", "prefix", "fragment"), KNOWN, ids=[k[0] for k in KNOWN])
def test_known_quadratic_records_scale_linearly(parser: str, prefix: str, fragment: str) -> None:
    ratio = growth(_case(parser), prefix, fragment)
    assert ratio <= BOUND, f"16x longer record cost {ratio:.0f}x more"


def test_auditd_group_scales_linearly() -> None:
    """Joining records of one audit id looks for where each record starts."""

    def group_cost(n: int) -> float:
        texts = ("type=SYSCALL msg=audit(1.0:7): a0=1", "x msg=audit(1.0:7): " + "type=" * n)
        records = [RawRecord(source=Source("file"), received_at=0.0, message=t) for t in texts]

        def run() -> None:
            normalize_many(records)

        run()
        start = time.thread_time()
        for _ in range(5):
            run()
        return time.thread_time() - start

    assert group_cost(SMALL * FACTOR // 5) / group_cost(SMALL // 5) <= BOUND


@pytest.mark.parametrize("case", CASES, ids=[c.parser for c in CASES])
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure is reproducible
    database=None,
    phases=(Phase.explicit, Phase.generate),  # shrinking would re-time slow examples
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_parser_cost_grows_linearly(case: Case, data: st.DataObject) -> None:
    prefix = data.draw(st.sampled_from(case.prefixes), label="prefix")
    pieces = st.lists(st.sampled_from(case.fragments), min_size=1, max_size=3)
    fragment = data.draw(pieces.map("".join), label="fragment")
    ratio = growth(case, prefix, fragment)
    assert ratio <= BOUND, (
        f"{case.parser}: {prefix!r} + {fragment!r} repeated: 16x longer cost {ratio:.0f}x more"
    )
