"""`secops context import people FILE`: replace the people directory, all or nothing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from secops.cli.deployment import cli_actor, open_context
from secops.enrich.directory import DirectoryRejectedError
from secops.enrich.service import import_people
from secops.errors import InvalidInputError


def register(sub: argparse._SubParsersAction) -> None:
    context = sub.add_parser("context", help="context of the enrich stage (people directory)")
    what = context.add_subparsers(dest="context_command", required=True)
    imp = what.add_parser("import", help="replace a context table from a file")
    kinds = imp.add_subparsers(dest="kind", required=True)
    people = kinds.add_parser(
        "people",
        help="people directory CSV: user,clearance,committees,aliases[,display_name,unit,roles]",
    )
    people.add_argument("file", type=Path, metavar="FILE")
    people.set_defaults(func=_import_people)


def _import_people(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"cannot read the file: {exc}", where=str(path)) from exc
    with open_context() as ctx:
        try:
            report = import_people(ctx, text=text, source=str(path), actor=cli_actor())
        except DirectoryRejectedError as exc:
            for row in exc.rows:
                print(row, file=sys.stderr)
            print(f"error: {len(exc.rows)} row(s) rejected; nothing loaded", file=sys.stderr)
            return 2
    info = report.directory
    print(
        f"people directory replaced: {info.count} people "
        f"(was {report.previous_count}), generation {info.generation}"
    )
    return 0
