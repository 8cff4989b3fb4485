"""A context of the test's own namespace, with the audit index bootstrapped and dropped after."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from secops.context import Context, build_context
from secops.settings import Settings


def drop_namespace(ctx: Context) -> None:
    pattern = f"secops-{ctx.settings.namespace}-*"
    names = ctx.es.indices.get(index=pattern, expand_wildcards="all")
    if names:
        ctx.es.indices.delete(index=",".join(names))


@pytest.fixture
def ctx(settings: Settings) -> Iterator[Context]:
    context = build_context(settings)
    yield context
    drop_namespace(context)
    context.close()
