"""All configured receivers on one asyncio loop in a background thread.

``secops up`` starts them after the pipeline worker (so the spool is drained) and
stops them first (so nothing is accepted that cannot be carried further).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from collectors.relp import RelpReceiver
from collectors.stats import ReceiverStats
from collectors.stream_server import StreamServer
from collectors.syslog_tcp import StreamLimits, StreamReceiver
from collectors.syslog_tls import server_context
from collectors.syslog_udp import UdpReceiver
from collectors.tail import Tailer
from secops.errors import CollectError
from secops.records import Source
from secops.settings import Settings
from secops.spool import RecordSink

log = logging.getLogger(__name__)

START_TIMEOUT = 30.0


class Receiver(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


def build_receivers(
    settings: Settings, sink: RecordSink, stats: ReceiverStats, executor: ThreadPoolExecutor
) -> list[Receiver]:
    """The receivers the settings ask for, in start order."""
    receivers: list[Receiver] = []
    limits = StreamLimits(
        max_message_bytes=settings.max_record_bytes,
        max_connections=settings.syslog_max_connections,
        max_connections_per_peer=settings.syslog_max_connections_per_peer,
        idle_timeout=settings.syslog_idle_timeout,
        handshake_timeout=settings.syslog_tls_handshake_timeout,
    )
    host = settings.syslog_host
    if settings.syslog_enabled:
        receivers.append(
            UdpReceiver(
                sink,
                host=host,
                port=settings.syslog_udp_port,
                stats=stats,
                max_message_bytes=settings.max_record_bytes,
                max_queue_bytes=settings.syslog_udp_queue_bytes,
                executor=executor,
            )
        )
        receivers.append(
            StreamReceiver(
                sink,
                host=host,
                port=settings.syslog_tcp_port,
                stats=stats,
                limits=limits,
                executor=executor,
            )
        )
    if settings.relp_port is not None:
        receivers.append(
            RelpReceiver(
                sink,
                host=host,
                port=settings.relp_port,
                stats=stats,
                limits=limits,
                executor=executor,
            )
        )
    if settings.syslog_tls_cert and settings.syslog_tls_key:
        ctx = server_context(
            settings.syslog_tls_cert, settings.syslog_tls_key, settings.syslog_tls_client_ca
        )
        tls_ports: list[tuple[type[StreamServer], int]] = [
            (StreamReceiver, settings.syslog_tls_port)
        ]
        if settings.relp_tls_port is not None:
            tls_ports.append((RelpReceiver, settings.relp_tls_port))
        for kind, port in tls_ports:
            receivers.append(
                kind(
                    sink,
                    host=host,
                    port=port,
                    stats=stats,
                    limits=limits,
                    ssl_context=ctx,
                    executor=executor,
                )
            )
    elif settings.syslog_tls_cert or settings.syslog_tls_key:
        raise CollectError("syslog TLS needs both SECOPS_SYSLOG_TLS_CERT and _KEY")
    elif settings.relp_tls_port is not None:
        raise CollectError("RELP over TLS needs SECOPS_SYSLOG_TLS_CERT and _KEY")
    if settings.tail_globs:
        receivers.append(
            Tailer(
                sink,
                globs=settings.tail_globs,
                state_file=settings.state_dir / "tail" / f"{settings.namespace}.json",
                stats=stats,
                max_line_bytes=settings.max_record_bytes,
                poll_interval=settings.tail_poll_interval,
                executor=executor,
            )
        )
    return receivers


class ReceiverService:
    """Runs the receivers in a thread of their own: ``start()`` returns once all listen."""

    def __init__(
        self,
        settings: Settings,
        sink: RecordSink,
        *,
        on_dropped: Callable[[Source, int], None] | None = None,
    ) -> None:
        self.settings = settings
        self.sink = sink
        self.stats = ReceiverStats(on_dropped)
        self.receivers: list[Receiver] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        # Appends block on fsync; a few threads let connections group their waits.
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="secops-append")

    def start(self) -> None:
        self.receivers = build_receivers(self.settings, self.sink, self.stats, self._executor)
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="secops-receivers")
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._start_all(), loop).result(START_TIMEOUT)
        except BaseException:
            self.stop()
            raise

    async def _start_all(self) -> None:
        for receiver in self.receivers:
            await receiver.start()

    async def _stop_all(self) -> None:
        for receiver in reversed(self.receivers):
            try:
                await receiver.stop()
            except Exception:
                log.exception("error while stopping %s", type(receiver).__name__)

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._stop_all(), loop).result(START_TIMEOUT)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            loop.close()
            self._executor.shutdown(wait=True)
            self._loop = self._thread = None
