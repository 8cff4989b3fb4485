"""The pipeline's checkpoint: the detector's state with the spool position it belongs to."""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch

from secops.spool import Position
from secops.store.names import IndexNames
from secops.store.state import get_state, put_state

KIND = "pipeline_checkpoint"


def save_checkpoint(
    es: Elasticsearch,
    names: IndexNames,
    *,
    spool_id: str,
    position: Position,
    detector: dict[str, Any],
) -> None:
    data = {"position": [position.segment, position.offset], "detector": detector}
    put_state(es, names, kind=KIND, key=spool_id, data=data)


def load_checkpoint(
    es: Elasticsearch, names: IndexNames, *, spool_id: str
) -> dict[str, Any] | None:
    """The detector state saved for this spool, None when there is none."""
    data = get_state(es, names, kind=KIND, key=spool_id)
    return None if data is None else data.get("detector")


ENRICH_KIND = "enrich_checkpoint"


def save_enrich_checkpoint(
    es: Elasticsearch,
    names: IndexNames,
    *,
    spool_id: str,
    position: Position,
    state: dict[str, Any],
) -> None:
    """The enrich stage's state (first-seen addresses), written before the position is
    committed; a document of its own, since it is written only when it changed."""
    data = {"position": [position.segment, position.offset], "enrich": state}
    put_state(es, names, kind=ENRICH_KIND, key=spool_id, data=data)


def load_enrich_checkpoint(
    es: Elasticsearch, names: IndexNames, *, spool_id: str
) -> dict[str, Any] | None:
    """The enrich stage's state saved for this spool, None when there is none."""
    data = get_state(es, names, kind=ENRICH_KIND, key=spool_id)
    return None if data is None else data.get("enrich")
