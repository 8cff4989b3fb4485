"""Where the test suite finds the Elasticsearch distribution, shared by its fixtures."""

from __future__ import annotations

import os
from pathlib import Path

from secops.settings import Settings


def cache_dir() -> Path:
    """The distribution cache: SECOPS_CACHE_DIR, else the default of the settings."""
    return Path(os.environ.get("SECOPS_CACHE_DIR") or Settings(dev_mode=True).cache_dir)


def es_version() -> str:
    return Settings(dev_mode=True).es_version
