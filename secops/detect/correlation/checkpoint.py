"""Correlation state as a compact JSON-ready dict, and back.

Saved together with the spool position it was reached at, a snapshot lets a
restart resume every open window: events replayed from the spool that the
snapshot already holds are recognised by id and ignored, and events of an
episode already reported fall behind its fence. Each rule's fingerprint is kept
so that the windows of a rule edited in between are dropped instead of being
read with the wrong meaning.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from secops.detect.correlation.fields import hashable, jsonable
from secops.detect.correlation.spec import CorrelationSpec
from secops.detect.correlation.window import Entry, GroupState
from secops.errors import SecopsError

VERSION = 1


@dataclass
class Loaded:
    watermark: float
    seq: int
    groups: list[tuple[str, tuple[Any, ...], GroupState]]  # (rule id, group, state), LRU order


def dump(
    *,
    watermark: float,
    seq: int,
    groups: Iterable[tuple[CorrelationSpec, tuple[Any, ...], GroupState]],
) -> dict[str, Any]:
    rules: dict[str, str] = {}
    rows = []
    for spec, group, state in groups:
        rules[spec.meta.id] = spec.fingerprint
        rows.append(
            [
                spec.meta.id,
                jsonable(group),
                None if state.fence == -math.inf else state.fence,
                state.latest,
                [
                    [ts, seq_, eid, src, jsonable(value)]
                    for ts, seq_, eid, src, value in state.entries
                ],
            ]
        )
    return {
        "version": VERSION,
        "watermark": None if watermark == -math.inf else watermark,
        "seq": seq,
        "rules": rules,
        "groups": rows,
    }


def load(snapshot: Mapping[str, Any], specs: Mapping[str, CorrelationSpec]) -> Loaded:
    """Read a snapshot, keeping the groups of rules that still exist unchanged."""
    if snapshot.get("version") != VERSION:
        raise SecopsError(
            f"correlation checkpoint version {snapshot.get('version')!r} is not {VERSION}",
            where="correlation checkpoint",
        )
    try:
        fingerprints = snapshot["rules"]
        watermark = snapshot["watermark"]
        groups = []
        for rule_id, group, fence, latest, entries in snapshot["groups"]:
            spec = specs.get(rule_id)
            if spec is None or spec.fingerprint != fingerprints.get(rule_id):
                continue
            state = GroupState(fence=-math.inf if fence is None else float(fence))
            for ts, seq, eid, src, value in entries:
                entry: Entry = (float(ts), int(seq), str(eid), int(src), hashable(value))
                state.add(entry)
            state.latest = float(latest)
            groups.append((rule_id, tuple(hashable(group)), state))
        return Loaded(
            watermark=-math.inf if watermark is None else float(watermark),
            seq=int(snapshot["seq"]),
            groups=groups,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SecopsError(
            f"malformed correlation checkpoint: {exc!r}", where="correlation checkpoint"
        ) from exc
