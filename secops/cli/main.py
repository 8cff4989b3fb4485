"""The `secops` command: one sub-command module per area, registered here."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from secops.cli import apikeys, archive, audit, bench, context, es, ingest, report, rules, up, users
from secops.errors import SecopsError

# Each module has `register(subparsers)`, which adds its commands with a `func`.
COMMAND_MODULES = [up, es, audit, rules, ingest, bench]
COMMAND_MODULES += [users, apikeys]
COMMAND_MODULES += [report, context]
COMMAND_MODULES += [archive]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="secops", description="secops: security monitoring and audit service"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # One line per Elasticsearch request drowns what matters.
    logging.getLogger("elastic_transport").setLevel(logging.WARNING)
    try:
        return int(args.func(args) or 0)
    except SecopsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
