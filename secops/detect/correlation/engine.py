"""Streaming evaluation of Sigma correlation rules over base-rule matches.

Windows slide in event time (see `window` for the exact semantics). State is
bounded three ways: a group keeps only the events that can still fall into a
window, a group idle for longer than timespan + lateness (measured on the
newest event time seen by the engine) is evicted, and the number of groups over
all rules is capped with least-recently-used eviction. `snapshot`/`restore`
carry the state across a restart; see `checkpoint`.

Lateness is judged per group (against the group's newest event), so one source
lagging behind the others loses nothing; expiry uses the engine-wide newest
event time, so an event stamped far in the future ages the idle groups early.
State is keyed by rule and group-by values: on several nodes, route a group's
matches to one node.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sigma.correlations import SigmaCorrelationRule

from secops.detect.correlation import checkpoint
from secops.detect.correlation.evaluate import verdict
from secops.detect.correlation.fields import event_time, get_field, hashable, jsonable
from secops.detect.correlation.routing import Routed, route
from secops.detect.correlation.spec import (
    NUMERIC_TYPES,
    VALUE_COUNT,
    CorrelationSpec,
    compile_rule,
)
from secops.detect.correlation.window import Entry, GroupState
from secops.detect.models import CorrelationMatch, RuleMatch, RuleMeta
from secops.errors import RuleError
from secops.times import iso_millis

GroupKey = tuple[int, tuple[Any, ...]]  # (index of the routed rule, group-by values)
MAX_VALUES = 20  # distinct counted values a match lists
# value_count entries note these fields beside the counted value, so that a match can say
# what was counted (the classifications and committees of the papers of a bulk retrieval)
NOTED_FIELDS = ("parliament.document.classification", "parliament.document.committee")
# fields of the completing event a match carries, so its alert can name who and what
SUBJECT_FIELDS = (
    "user.id",
    "user.name",
    "user.full_name",
    "source.ip",
    "parliament.session_id",
    "parliament.vote.ballot_id",
    "parliament.document.classification",
    "parliament.document.committee",
)


@dataclass
class CorrelationStats:
    """Counters for metrics; every input that does not count towards a window is here."""

    observed: int = 0  # matches of a referenced rule
    fired: int = 0
    duplicates: int = 0  # an event id already held in the window (a replay)
    absorbed: int = 0  # at or before the fence: part of an episode already reported
    late: int = 0  # older than the group's newest event by more than the lateness
    bad_timestamp: int = 0
    missing_group_field: int = 0
    missing_value: int = 0  # value_* rules: measured field absent or not numeric
    evicted_expired: int = 0
    evicted_lru: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class _Input:
    rule_id: str
    event: dict[str, Any]
    event_id: str
    ts: float


class CorrelationEngine:
    """Feed it every base-rule match with `observe`; it answers the correlations that fired.

    `rules` are pySigma correlation rules, their YAML dicts, or specs from
    `load_correlation_rules`; `base_rules` are the metas of the single-event
    rules they may refer to (by id or name). With `collect_errors`, a broken rule
    is left out and listed in `errors`; otherwise the first one is raised.
    `lateness` is how many seconds an event may arrive behind its group's newest
    event and still count.
    """

    def __init__(
        self,
        rules: Sequence[SigmaCorrelationRule | dict[str, Any] | CorrelationSpec],
        base_rules: Sequence[RuleMeta],
        *,
        max_groups: int = 100_000,
        lateness: float = 60.0,
        max_event_ids: int = 100,
        collect_errors: bool = False,
    ) -> None:
        self.max_groups = max_groups
        self.lateness = lateness
        self.max_event_ids = max_event_ids
        self.errors: list[RuleError] = []
        self.stats = CorrelationStats()
        specs = []
        for rule in rules:
            try:
                specs.append(rule if isinstance(rule, CorrelationSpec) else compile_rule(rule))
            except RuleError as exc:
                self.errors.append(exc)
        routed, route_errors = route(specs, base_rules)
        self.errors.extend(route_errors)
        if self.errors and not collect_errors:
            raise self.errors[0]
        self._routed: list[Routed] = routed
        self._consumers: dict[str, list[tuple[int, int]]] = {}
        for index, item in enumerate(routed):
            for source_index, source in enumerate(item.sources):
                self._consumers.setdefault(source.rule_id, []).append((index, source_index))
        self._silenced = frozenset(
            s.rule_id for item in routed if not item.spec.generate for s in item.sources
        )
        self._groups: OrderedDict[GroupKey, GroupState] = OrderedDict()
        self._watermark = -math.inf
        self._seq = 0

    # -- what the pipeline asks -------------------------------------------------------

    @property
    def specs(self) -> list[CorrelationSpec]:
        return [item.spec for item in self._routed]

    def referenced_rules(self) -> frozenset[str]:
        """Ids of the base rules whose matches must be fed to `observe`."""
        correlation_ids = {item.spec.meta.id for item in self._routed}
        return frozenset(self._consumers) - correlation_ids

    def silenced_rules(self) -> frozenset[str]:
        """Ids of rules whose own alerts are not wanted: a correlation refers to them with
        `generate: false` (the default), as pySigma does. Base rules in this set still go
        to `observe`; the pipeline just does not raise their alerts. `observe` already
        leaves out matches of silenced correlation rules."""
        return self._silenced

    def group_count(self) -> int:
        return len(self._groups)

    # -- streaming ----------------------------------------------------------------------

    def observe(self, match: RuleMatch) -> list[CorrelationMatch]:
        if match.rule.id not in self._consumers:
            return []
        self.stats.observed += 1
        ts = event_time(match.event)
        if ts is None:
            self.stats.bad_timestamp += 1
            return []
        self._watermark = max(self._watermark, ts)
        fired: list[CorrelationMatch] = []
        pending = [_Input(match.rule.id, match.event, match.event_id, ts)]
        while pending:
            item = pending.pop(0)
            for index, source_index in self._consumers.get(item.rule_id, ()):
                result = self._feed(index, source_index, item)
                if result is not None:
                    fired.append(result)
                    pending.append(_chained_input(result))
        self._evict()
        return [m for m in fired if m.rule.id not in self._silenced]

    def sweep(self) -> int:
        """Evict every expired group (not only those at the LRU front); returns how many."""
        expired = [key for key, state in self._groups.items() if self._expired(key, state)]
        for key in expired:
            del self._groups[key]
        self.stats.evicted_expired += len(expired)
        return len(expired)

    def _feed(self, index: int, source_index: int, item: _Input) -> CorrelationMatch | None:
        routed = self._routed[index]
        spec, source = routed.spec, routed.sources[source_index]
        group = tuple(hashable(get_field(item.event, f)) for f in source.group_fields)
        if any(v is None for v in group):
            self.stats.missing_group_field += 1
            return None
        value = _measured(spec, [get_field(item.event, f) for f in source.value_fields])
        if source.value_fields and value is None:
            self.stats.missing_value += 1
            return None
        if spec.type == VALUE_COUNT:
            value = (value, tuple(hashable(get_field(item.event, f)) for f in NOTED_FIELDS))
        key = (index, group)
        state = self._groups.get(key)
        if state is None:
            state = self._groups[key] = GroupState()
        else:
            self._groups.move_to_end(key)
        if item.ts <= state.fence:
            self.stats.absorbed += 1
            return None
        if item.ts < state.latest - self.lateness:
            self.stats.late += 1
            return None
        if state.holds_id(source_index, item.event_id):
            self.stats.duplicates += 1
            return None
        self._seq += 1
        state.add((item.ts, self._seq, item.event_id, source_index, value))
        state.drop_until(state.latest - spec.timespan - self.lateness)
        for end in state.window_ends(item.ts, spec.timespan):
            window = state.window(end, spec.timespan)
            holds, measured = verdict(spec, window)
            if holds:
                state.close(end)
                self.stats.fired += 1
                return self._match(routed, group, window, measured, item.event)
        return None

    def _match(
        self,
        routed: Routed,
        group: tuple[Any, ...],
        window: list[Entry],
        measured: float | None,
        completing: dict[str, Any],
    ) -> CorrelationMatch:
        spec = routed.spec
        contributing = sorted({routed.sources[e[3]].rule_id for e in window})
        values: list[Any] = []
        noted: dict[str, Any] = {}
        if spec.type == VALUE_COUNT:
            for entry in window:
                shown = jsonable(entry[4][0])
                if shown not in values and len(values) < MAX_VALUES:
                    values.append(shown)
            for i, name in enumerate(NOTED_FIELDS):
                seen = sorted({str(e[4][1][i]) for e in window if e[4][1][i] is not None})
                if seen:
                    noted[name] = seen[0] if len(seen) == 1 else seen
        counted = (
            spec.condition.fields[0] if spec.type == VALUE_COUNT and spec.condition.fields else None
        )
        # a counted field and its siblings vary across the window: the completing event's
        # values name one of many (one member of several voting from an address, one of
        # the papers and its classification), so they are left out
        varying = counted.rpartition(".")[0] + "." if counted else "\0"
        subject = {
            f: v
            for f in SUBJECT_FIELDS
            if not f.startswith(varying) and (v := get_field(completing, f)) is not None
        } | noted
        return CorrelationMatch(
            rule=spec.meta,
            correlation_type=spec.type,
            group=dict(zip(spec.group_by, group, strict=True)),
            first_seen=iso_millis(window[0][0]),
            last_seen=iso_millis(window[-1][0]),
            value=measured,
            event_ids=[e[2] for e in window[: self.max_event_ids]],
            base_rules=contributing,
            values=values,
            counted=counted,
            subject=subject,
        )

    def _expired(self, key: GroupKey, state: GroupState) -> bool:
        timespan = self._routed[key[0]].spec.timespan
        return self._watermark - state.latest > timespan + self.lateness

    def _evict(self) -> None:
        while self._groups:
            key, state = next(iter(self._groups.items()))
            if not self._expired(key, state):
                break
            del self._groups[key]
            self.stats.evicted_expired += 1
        while len(self._groups) > self.max_groups:
            self._groups.popitem(last=False)
            self.stats.evicted_lru += 1

    # -- checkpoints --------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The open windows as a compact JSON-ready dict; save it with the spool position."""
        return checkpoint.dump(
            watermark=self._watermark,
            seq=self._seq,
            groups=((self._routed[k[0]].spec, k[1], s) for k, s in self._groups.items()),
        )

    def restore(self, state: dict[str, Any]) -> None:
        """Replace the open windows by a snapshot's. Windows of rules that are gone or were
        edited since are dropped; replayed events already held are then ignored by id."""
        by_id = {item.spec.meta.id: i for i, item in enumerate(self._routed)}
        loaded = checkpoint.load(state, {item.spec.meta.id: item.spec for item in self._routed})
        self._watermark, self._seq = loaded.watermark, loaded.seq
        self._groups = OrderedDict(((by_id[rid], group), gs) for rid, group, gs in loaded.groups)
        self._evict()


def _measured(spec: CorrelationSpec, raw: list[Any]) -> Any:
    if not raw:
        return None
    if spec.type in NUMERIC_TYPES:
        value = raw[0]
        if isinstance(value, bool):
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        return number if math.isfinite(number) else None
    if any(v is None for v in raw):
        return None
    return hashable(raw[0]) if len(raw) == 1 else hashable(raw)


def _chained_input(match: CorrelationMatch) -> _Input:
    """A fired correlation as an event for the correlations that refer to it."""
    ts = event_time({"@timestamp": match.last_seen})
    assert ts is not None
    digest = hashlib.sha256(
        f"{match.rule.id}|{match.group}|{match.first_seen}|{match.event_ids[:1]}".encode()
    ).hexdigest()[:24]
    event = {"@timestamp": match.last_seen, **match.group}
    return _Input(match.rule.id, event, digest, ts)
