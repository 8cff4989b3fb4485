"""`secops up`: start every part, run until a signal, stop them in reverse order.

Parts are started in the order data flows (store first, API last) and stopped in
the reverse order, so nothing accepts records that cannot be carried further.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from types import FrameType

import uvicorn

from api.app import create_app
from collectors.metrics import RefusalsCollector
from collectors.service import ReceiverService
from secops.alerts import notify
from secops.alerts.writer import Alerter
from secops.auth.devadmin import DevAdminCredentials, ensure_dev_admin
from secops.context import build_context
from secops.es.node import ManagedNode, node_for
from secops.pipeline.service import start_pipeline
from secops.rules.detector import build_detector
from secops.scheduler import build_scheduler
from secops.settings import Settings

log = logging.getLogger(__name__)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(settings: Settings) -> None:
    # SIGTERM (docker stop, systemd) stops as Ctrl-C does: through the finally below.
    signal.signal(signal.SIGTERM, _interrupt)
    stops: list[Callable[[], object]] = []
    settings.keep_dev_secrets()
    try:
        if not settings.es_url:
            node: ManagedNode = node_for(settings)
            info = node.start()
            stops.append(node.stop)
            # secops' own account on the node, verified against the node's CA.
            settings = settings.model_copy(update=node.client_settings())
            log.info("managed Elasticsearch %s at %s", info.version, info.url)
        ctx = build_context(settings)
        stops.append(ctx.close)
        notifier = notify.from_settings(ctx).start()
        stops.append(notifier.stop)
        pipeline = start_pipeline(
            ctx, detector=build_detector(ctx), alerts=Alerter(ctx, sink=notifier)
        )
        stops.append(pipeline.stop)
        pipeline.metrics.registry.register(notify.NotificationCollector(notifier))
        # Receivers start after the pipeline (the spool is their sink) and stop before it.
        receivers = ReceiverService(
            settings, pipeline.spool, on_dropped=pipeline.metrics.accounting.dropped_from
        )
        receivers.start()
        stops.append(receivers.stop)
        pipeline.metrics.registry.register(RefusalsCollector(receivers.stats))
        scheduler = build_scheduler(ctx)
        scheduler.start()
        stops.append(lambda: scheduler.shutdown(wait=False))
        if settings.dev_mode:
            _announce_dev_admin(ensure_dev_admin(ctx))
        app = create_app(settings, context=ctx)
        app.state.sink = pipeline.spool  # POST /api/v1/ingest appends here
        server = uvicorn.Server(
            uvicorn.Config(app, host=settings.api_host, port=settings.api_port, log_level="info")
        )
        log.info("API on http://%s:%d/api/v1", settings.api_host, settings.api_port)
        log.info("console on http://%s:%d/", settings.api_host, settings.api_port)
        try:
            server.run()
        except KeyboardInterrupt:
            # uvicorn shuts down gracefully, then re-raises the signal it caught.
            log.info("stopping")
    finally:
        for stop in reversed(stops):
            try:
                stop()
            except Exception:
                log.exception("error while stopping")


def _announce_dev_admin(creds: DevAdminCredentials | None) -> None:
    if creds is None:
        return
    bar = "!" * 72
    log.warning(
        "\n%s\nDEVELOPMENT MODE: created the first administrator\n"
        "  username: %s\n  password: %s\n  TOTP secret: %s\n  TOTP URI: %s\n"
        "  recovery codes: %s\n"
        "Shown once. Never run like this in production.\n%s",
        bar,
        creds.username,
        creds.password,
        creds.totp_secret,
        creds.provisioning_uri,
        " ".join(creds.recovery_codes),
        bar,
    )
