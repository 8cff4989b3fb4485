"""Making earlier writes searchable before a read that must hold all of them.

A refresh reads and changes no document, so it is the one store call that may name
indices of several domains at once (a signed report refreshes everything it sums up).
"""

from __future__ import annotations

from collections.abc import Iterable

from secops.store.client import StoreClient
from secops.store.names import IndexNames


def make_visible(es: StoreClient, names: IndexNames, *, indices: Iterable[str]) -> None:
    """Refresh these regular indices of the namespace (``alerts``, ``audit``, ...)."""
    es.indices.refresh(index=",".join(names.index(n) for n in indices), ignore_unavailable=True)
