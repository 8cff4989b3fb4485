"""The enrich stage as the running pipeline and ``secops ingest`` build it from settings.

:class:`DirectoryWatch` is the pipeline's view of the people directory: every few
seconds it reads the pointer document (one GET) and, when an import replaced the
directory, loads the new generation. A failed read keeps the directory it has, so
a store hiccup never stops the pipeline.
"""

from __future__ import annotations

import logging
import time

from elasticsearch import ApiError, TransportError

from secops.context import Context
from secops.enrich.calendar import WorkCalendar
from secops.enrich.directory import Directory
from secops.enrich.first_seen import FirstSeen
from secops.enrich.networks import InternalNetworks
from secops.enrich.service import load_directory
from secops.enrich.stage import Enricher, EnrichmentState
from secops.errors import SecopsError
from secops.settings import Settings
from secops.store.people import current_pointer

log = logging.getLogger(__name__)


def calendar_of(settings: Settings) -> WorkCalendar:
    return WorkCalendar.parse(
        timezone=settings.timezone,
        working_days=settings.working_days,
        working_hours=settings.working_hours,
        holidays=settings.holidays_file,
    )


def networks_of(settings: Settings) -> InternalNetworks:
    return InternalNetworks(settings.internal_networks)


class DirectoryWatch:
    """The current directory, re-checked at most every ``interval`` seconds."""

    def __init__(self, ctx: Context, *, interval: float) -> None:
        self.ctx = ctx
        self.interval = interval
        self._directory = Directory()
        self._checked_at: float | None = None

    def __call__(self) -> Directory:
        now = time.monotonic()
        if self._checked_at is None or now - self._checked_at >= self.interval:
            self._checked_at = now
            self._refresh()
        return self._directory

    def _refresh(self) -> None:
        try:
            pointer = current_pointer(self.ctx.es, self.ctx.names)
            generation = str(pointer.get("generation", "")) if pointer else ""
            if generation == self._directory.generation:
                return
            directory = load_directory(self.ctx)
        except (ApiError, TransportError, SecopsError) as exc:
            log.warning(
                "people directory not re-read (%s); keeping %d people",
                exc,
                len(self._directory.people),
            )
            return
        log.info(
            "people directory: generation %s, %d people",
            directory.generation or "none",
            len(directory.people),
        )
        self._directory = directory


def build_enricher(ctx: Context) -> Enricher | None:
    """The enrich stage of ``ctx``'s settings; None when ``SECOPS_ENRICH_ENABLED`` is off."""
    settings = ctx.settings
    if not settings.enrich_enabled:
        return None
    state = EnrichmentState(
        first_seen=FirstSeen(
            lookback_seconds=settings.first_seen_lookback_days * 86400.0,
            capacity=settings.first_seen_max_pairs,
        )
    )
    return Enricher(
        calendar=calendar_of(settings),
        networks=networks_of(settings),
        directory=DirectoryWatch(ctx, interval=settings.directory_refresh_seconds),
        state=state,
    )
