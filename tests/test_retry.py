"""One backoff policy: capped exponential delays, a bound on tries, and a stop that ends a wait."""

from __future__ import annotations

import threading
import time

import pytest

from secops.errors import StoreError
from secops.retry import RetryPolicy


def test_delays_grow_by_the_factor_up_to_the_cap() -> None:
    policy = RetryPolicy(base=0.05, factor=4, cap=1.0, jitter=False)
    assert [policy.delay(n) for n in range(4)] == [0.05, 0.2, 0.8, 1.0]
    assert policy.delay(10_000) == 1.0  # no overflow however long the outage


def test_jitter_spreads_delays_below_the_ceiling() -> None:
    policy = RetryPolicy(base=0.1, cap=2.0)
    delays = [policy.delay(3) for _ in range(200)]
    assert all(0 <= d <= 0.8 for d in delays)
    assert len({round(d, 6) for d in delays}) > 100


def test_call_retries_the_listed_errors_until_the_action_succeeds() -> None:
    outcomes: list[Exception | None] = [StoreError("down"), StoreError("down"), None]
    heard: list[tuple[int, str]] = []

    def action() -> str:
        failure = outcomes.pop(0)
        if failure is not None:
            raise failure
        return "stored"

    result = RetryPolicy(base=0.001, cap=0.001).call(
        action,
        stop=threading.Event(),
        retry_on=(StoreError,),
        on_retry=lambda attempt, exc, delay: heard.append((attempt, str(exc))),
    )
    assert result == "stored"
    assert heard == [(0, "down"), (1, "down")]


def test_call_gives_up_after_its_attempts_and_never_retries_other_errors() -> None:
    tries: list[int] = []

    def failing() -> None:
        tries.append(1)
        raise StoreError("down")

    policy = RetryPolicy(base=0.001, cap=0.001, attempts=3)
    with pytest.raises(StoreError):
        policy.call(failing, stop=threading.Event())
    assert len(tries) == 3

    def buggy() -> None:
        tries.append(1)
        raise KeyError("bug")

    with pytest.raises(KeyError):
        policy.call(buggy, stop=threading.Event(), retry_on=(StoreError,))
    assert len(tries) == 4


def test_a_stop_ends_a_retry_wait_at_once() -> None:
    stop = threading.Event()
    waiting = threading.Event()

    def failing() -> None:
        raise StoreError("down")

    policy = RetryPolicy(base=60.0, cap=60.0, jitter=False)  # a minute between tries
    setter = threading.Thread(target=lambda: waiting.wait(10) and stop.set())
    setter.start()
    started = time.monotonic()
    with pytest.raises(StoreError):
        policy.call(failing, stop=stop, on_retry=lambda *_: waiting.set())
    setter.join()
    assert time.monotonic() - started < 10  # far below the minute of the wait
