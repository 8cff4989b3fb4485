"""A bootstrapped context of the test's own namespace, dropped afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from secops.context import Context, build_context
from secops.settings import Settings

from .support import drop_namespace


@pytest.fixture
def ctx(settings: Settings) -> Iterator[Context]:
    context = build_context(settings)
    yield context
    drop_namespace(context)
    context.close()
