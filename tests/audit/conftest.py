"""A context of the test's own namespace, with the audit index bootstrapped."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from secops.context import Context, build_context
from secops.settings import Settings


@pytest.fixture
def ctx(settings: Settings) -> Iterator[Context]:
    context = build_context(settings)
    yield context
    context.close()
