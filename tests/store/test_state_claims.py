"""Claims in the state index: one process at a time does a thing, and a stale claim is taken
over."""

from __future__ import annotations

from secops.context import Context
from secops.store.state import claim_state, release_state


def test_a_claim_is_held_once_taken_over_when_stale_and_given_back(ctx: Context) -> None:
    es, names = ctx.es, ctx.names
    assert claim_state(es, names, kind="job", key="a", stale_after=600) is True
    assert claim_state(es, names, kind="job", key="a", stale_after=600) is False
    assert claim_state(es, names, kind="job", key="b", stale_after=600) is True  # its own key
    # Its holder stopped long ago (here: any age counts as stale).
    assert claim_state(es, names, kind="job", key="a", stale_after=0) is True
    release_state(es, names, kind="job", key="a")
    release_state(es, names, kind="job", key="a")  # giving back twice is harmless
    assert claim_state(es, names, kind="job", key="a", stale_after=600) is True
