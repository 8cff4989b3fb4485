"""`secops up`: everything, with a managed Elasticsearch when none is configured."""

from __future__ import annotations

import argparse

from secops.runtime import run
from secops.settings import get_settings


def register(sub: argparse._SubParsersAction) -> None:
    up = sub.add_parser("up", help="run the API, collectors and scheduler (Ctrl-C stops)")
    up.set_defaults(func=_up)


def _up(args: argparse.Namespace) -> int:
    run(get_settings())
    return 0
