"""A context of the test's own namespace, with the store bootstrapped and removed after."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from secops.context import Context, build_context
from secops.settings import Settings


def drop_namespace(es: Elasticsearch, namespace: str) -> None:
    """Remove what the test created, so the shared cluster's state stays small."""
    names = es.indices.get(index=f"secops-{namespace}-*", expand_wildcards="all")
    if names:
        es.indices.delete(index=",".join(names))


@pytest.fixture
def ctx(settings: Settings) -> Iterator[Context]:
    context = build_context(settings)
    yield context
    drop_namespace(context.es, settings.namespace)
    context.close()


def refresh(ctx: Context) -> None:
    ctx.es.indices.refresh(index=ctx.names.index("*"))
