"""Enabled or disabled: one ``rule_state`` document per changed rule in the state index.

The state index is the source of truth, so the API and the pipeline may run in
different processes (or on different nodes): :class:`DisabledRules` is the
pipeline's view of it, re-read every few seconds. A rule without a document is
enabled.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from secops.context import Context
from secops.errors import StoreError
from secops.rules.models import RuleState
from secops.store.errors import StoreRefused, StoreTransportError
from secops.store.state import get_state, iter_states, put_state

log = logging.getLogger(__name__)

KIND = "rule_state"
# How often a running detector re-reads the disabled rules: the delay until a
# disable or enable takes effect in the pipeline.
REFRESH_SECONDS = 2.0


def _state(data: dict[str, Any]) -> RuleState:
    return RuleState.model_validate(data)


def rule_states(ctx: Context) -> dict[str, RuleState]:
    """The state of every rule that was ever enabled or disabled, by rule id."""
    return {key: _state(data) for key, data in iter_states(ctx.es, ctx.names, kind=KIND)}


def rule_state(ctx: Context, *, rule_id: str) -> RuleState | None:
    data = get_state(ctx.es, ctx.names, kind=KIND, key=rule_id)
    return None if data is None else _state(data)


def set_rule_state(
    ctx: Context, *, rule_id: str, enabled: bool, by: str, reason: str | None
) -> RuleState:
    """Write the state and make it visible to searches at once (readers scan the index)."""
    state = RuleState(enabled=enabled, by=by, at=datetime.now(UTC), reason=reason)
    put_state(ctx.es, ctx.names, kind=KIND, key=rule_id, data=state.model_dump(mode="json"))
    ctx.es.indices.refresh(index=ctx.names.state)
    return state


def disabled_ids(ctx: Context) -> frozenset[str]:
    return frozenset(key for key, state in rule_states(ctx).items() if not state.enabled)


class DisabledRules:
    """The ids of disabled rules, re-read from the store at most every ``interval`` seconds.

    Called by the pipeline's worker thread before each batch; a read that fails
    keeps the last known set (and is retried at the next interval), so a store
    hiccup never stops detection.
    """

    def __init__(self, ctx: Context, *, interval: float = REFRESH_SECONDS) -> None:
        self.ctx = ctx
        self.interval = interval
        self._ids: frozenset[str] = frozenset()
        self._read_at: float | None = None

    def current(self) -> frozenset[str]:
        now = time.monotonic()
        if self._read_at is None or now - self._read_at >= self.interval:
            self._read_at = now
            try:
                ids = disabled_ids(self.ctx)
            except (StoreRefused, StoreTransportError, StoreError) as exc:
                log.warning("disabled rules not re-read (%s); keeping %d", exc, len(self._ids))
            else:
                if ids != self._ids:
                    log.info("disabled rules: %s", ", ".join(sorted(ids)) or "none")
                self._ids = ids
        return self._ids
