"""One backoff policy for every retry loop: capped exponential delays, cut short by a stop.

Used by the store's bulk writes, the pipeline's alert step, the notification
dispatcher and the audit middleware. Waits go through ``stop.wait``, never
``time.sleep``: setting the stop event ends a wait at once, so a stopping
process is never held by a backoff.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

# 2**64 times any sensible base is past every cap; higher powers would only overflow.
_MAX_EXPONENT = 64


@dataclass(frozen=True)
class RetryPolicy:
    """Delay before try ``n + 1`` is ``min(cap, base * factor**n)``, drawn uniformly
    below that with ``jitter`` (full jitter, so clients retrying together spread out).
    ``attempts`` bounds the tries in all; None retries until stopped."""

    base: float = 0.1
    cap: float = 10.0
    factor: float = 2.0
    jitter: bool = True
    attempts: int | None = None

    def delay(self, attempt: int) -> float:
        """The pause after failed try number ``attempt`` (counted from 0)."""
        ceiling = min(self.cap, self.base * self.factor ** min(attempt, _MAX_EXPONENT))
        return random.uniform(0, ceiling) if self.jitter else ceiling

    def exhausted(self, tries: int) -> bool:
        """True once ``tries`` tries were made and no other is allowed."""
        return self.attempts is not None and tries >= self.attempts

    def call(
        self,
        action: Callable[[], T],
        *,
        stop: threading.Event,
        retry_on: tuple[type[BaseException], ...] = (Exception,),
        on_retry: Callable[[int, BaseException, float], None] | None = None,
    ) -> T:
        """``action()``, tried again after each ``retry_on`` error until it succeeds.

        Re-raises the last error when the tries are spent or ``stop`` is set (before
        a wait or during one). ``on_retry(attempt, error, delay)`` hears of each
        failure that is retried, before its wait.
        """
        attempt = 0
        while True:
            try:
                return action()
            except retry_on as exc:
                if stop.is_set() or self.exhausted(attempt + 1):
                    raise
                delay = self.delay(attempt)
                if on_retry is not None:
                    on_retry(attempt, exc, delay)
                if stop.wait(delay):
                    raise
                attempt += 1
