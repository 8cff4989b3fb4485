"""One background thread delivers new alerts to every channel, retrying with backoff.

A failed send is rescheduled after the delay of the dispatcher's `RetryPolicy`
(exponential from ``backoff``, capped at five minutes) until its attempts are
spent. Retries wait in a heap ordered by when they are due, so one slow channel
never holds back the others; ``stop`` wakes the thread at once.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from secops.alerts.models import AlertDoc
from secops.alerts.notify.base import Channel
from secops.alerts.notify.smtp import SmtpChannel
from secops.alerts.notify.status import ChannelStats, StatusStore
from secops.alerts.notify.syslog import SyslogChannel
from secops.alerts.notify.webhook import WebhookChannel
from secops.context import Context
from secops.definitions import SEVERITY_RANK
from secops.retry import RetryPolicy
from secops.settings import Settings

log = logging.getLogger(__name__)
_MAX_BACKOFF = 300.0
_WAKE = None  # put in the inbox by `stop`, so a waiting thread sees the stop at once


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    channel: Channel = field(compare=False)
    alert_id: str = field(compare=False)
    alert: dict[str, Any] = field(compare=False)
    attempt: int = field(default=1, compare=False)


class Dispatcher:
    """An `AlertSink`: `submit` never blocks; a full queue counts a drop per channel."""

    def __init__(
        self,
        channels: list[Channel],
        *,
        min_severity: str = "high",
        max_attempts: int = 5,
        backoff: float = 1.0,
        queue_size: int = 1000,
        status: StatusStore | None = None,
    ) -> None:
        self.channels = channels
        self.min_rank = SEVERITY_RANK[min_severity]
        self.retry = RetryPolicy(
            base=backoff, cap=_MAX_BACKOFF, jitter=False, attempts=max_attempts
        )
        self.stats = {c.name: ChannelStats(channel=c.name) for c in channels}
        self._status = status
        self._inbox: queue.Queue[_Job | None] = queue.Queue(maxsize=queue_size)
        self._retries: list[_Job] = []
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Dispatcher:
        self._thread = threading.Thread(target=self._run, name="secops-notify", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            # a full inbox needs no wake-up: the thread checks the stop between jobs
            with contextlib.suppress(queue.Full):
                self._inbox.put_nowait(_WAKE)
            self._thread.join(timeout)

    def submit(self, alert_id: str, alert: AlertDoc | dict[str, Any]) -> None:
        """Queue ``alert`` for every channel; channels get the document as stored."""
        if isinstance(alert, AlertDoc):
            alert = alert.stored()
        if SEVERITY_RANK.get(alert.get("severity", ""), -1) < self.min_rank:
            return
        for channel in self.channels:
            job = _Job(time.monotonic(), next(self._seq), channel, alert_id, alert)
            try:
                self._inbox.put_nowait(job)
            except queue.Full:
                self._update(channel.name, dropped=1)

    def idle(self) -> bool:
        """Nothing queued, nothing waiting for a retry (for tests and shutdown)."""
        with self._lock:
            return self._inbox.unfinished_tasks == 0 and not self._retries

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                wait = self._retries[0].due - time.monotonic() if self._retries else 0.5
            try:
                job = self._inbox.get(timeout=max(0.0, min(wait, 0.5)))
                if job is not None:
                    self._attempt(job)
                self._inbox.task_done()
            except queue.Empty:
                pass
            self._due_retries()

    def _due_retries(self) -> None:
        now = time.monotonic()
        while True:
            with self._lock:
                if not self._retries or self._retries[0].due > now:
                    return
                job = heapq.heappop(self._retries)
            self._attempt(job)

    def _attempt(self, job: _Job) -> None:
        name = job.channel.name
        try:
            job.channel.send(job.alert_id, job.alert)
        except Exception as exc:  # any failure of a channel is retried, then given up
            error = f"{type(exc).__name__}: {exc}"[:500]
            if self.retry.exhausted(job.attempt):
                log.warning("notification %s of %s given up: %s", name, job.alert_id, error)
                self._update(name, failed=1, gave_up=1, error=error)
                return
            self._update(name, failed=1, error=error)
            delay = self.retry.delay(job.attempt - 1)
            retry = _Job(
                time.monotonic() + delay,
                next(self._seq),
                job.channel,
                job.alert_id,
                job.alert,
                job.attempt + 1,
            )
            with self._lock:
                heapq.heappush(self._retries, retry)
            return
        self._update(name, sent=1)

    def _update(
        self,
        name: str,
        *,
        sent: int = 0,
        failed: int = 0,
        gave_up: int = 0,
        dropped: int = 0,
        error: str | None = None,
    ) -> None:
        now = datetime.now(UTC)
        with self._lock:
            s = self.stats[name]
            s.sent += sent
            s.failed_attempts += failed
            s.gave_up += gave_up
            s.dropped += dropped
            if error is not None:
                s.last_error, s.last_error_at = error, now
            if sent:
                s.last_success_at = now
            snapshot = s.model_copy()
        if self._status is not None:
            try:
                self._status.save(snapshot)
            except Exception as exc:  # the store being down must not stop deliveries
                log.warning("notification status not saved: %s", exc)


def channels_from_settings(settings: Settings) -> list[Channel]:
    channels: list[Channel] = []
    if settings.notify_webhook_url:
        if settings.notify_webhook_secret is None:
            raise ValueError("SECOPS_NOTIFY_WEBHOOK_SECRET must be set with the webhook URL")
        secret = settings.notify_webhook_secret.get_secret_value().encode()
        channels.append(WebhookChannel(settings.notify_webhook_url, secret))
    if settings.notify_smtp_host:
        channels.append(
            SmtpChannel(
                settings.notify_smtp_host,
                settings.notify_smtp_port,
                sender=settings.notify_smtp_from,
                recipients=settings.notify_smtp_to,
                starttls=settings.notify_smtp_starttls,
            )
        )
    if settings.notify_syslog_host:
        channels.append(
            SyslogChannel(
                settings.notify_syslog_host,
                settings.notify_syslog_port,
                protocol=settings.notify_syslog_protocol,
            )
        )
    return channels


def from_settings(ctx: Context) -> Dispatcher:
    """The dispatcher the settings describe (not started; call `start`)."""
    s = ctx.settings
    return Dispatcher(
        channels_from_settings(s),
        min_severity=s.notify_min_severity,
        max_attempts=s.notify_max_attempts,
        backoff=s.notify_backoff_seconds,
        queue_size=s.notify_queue_size,
        status=StatusStore(ctx),
    )
