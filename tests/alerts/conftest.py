"""A context of the test's own namespace, with the store bootstrapped and removed after."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from elasticsearch import ApiError, Elasticsearch

from secops.context import Context, build_context
from secops.settings import Settings


def drop_namespace(es: Elasticsearch, namespace: str) -> None:
    """Remove what the test created, so the shared cluster's state stays small."""
    names = es.indices.get(index=f"secops-{namespace}-*", expand_wildcards="all")
    if names:
        es.indices.delete(index=",".join(names))
    # Templates still used by an events data stream stay (this node cannot delete streams).
    for name in es.indices.get_index_template(name=f"secops-{namespace}-*")["index_templates"]:
        with contextlib.suppress(ApiError):
            es.indices.delete_index_template(name=name["name"])


@pytest.fixture
def ctx(settings: Settings) -> Iterator[Context]:
    context = build_context(settings)
    yield context
    drop_namespace(context.es, settings.namespace)
    context.close()


def refresh(ctx: Context) -> None:
    ctx.es.indices.refresh(index=ctx.names.index("*"))
