"""Fixtures of the collector tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from pki_files import make_pki


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A CA, a server and a client certificate it signed, and a client of another CA."""
    return make_pki(tmp_path_factory.mktemp("pki"))
