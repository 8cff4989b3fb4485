"""`secops rules validate|test|hunt|coverage`."""

from __future__ import annotations

import argparse
from pathlib import Path

from tqdm import tqdm

from secops.cli.coverage_table import coverage_table
from secops.cli.deployment import open_context
from secops.detect.loader import BUILTIN_RULES
from secops.detect.samples import run_samples
from secops.detect.validate import validate
from secops.hunt import hunt
from secops.rules.coverage import DEFAULT_WINDOW, coverage
from secops.settings import get_settings


def register(sub: argparse._SubParsersAction) -> None:
    rules = sub.add_parser("rules", help="Sigma rules: validate, test, hunt, coverage")
    rsub = rules.add_subparsers(dest="rules_command", required=True)

    v = rsub.add_parser("validate", help="load and compile rules; report every error")
    v.add_argument("dirs", nargs="*", type=Path, help="rule files or directories")
    v.add_argument(
        "--mapping",
        type=Path,
        default=None,
        help="a logsource/field mapping file beside ours (default without DIRS: the configured "
        "one); rules of a logsource it covers are active",
    )
    v.add_argument(
        "--overrides",
        type=Path,
        default=None,
        help="per-rule level/status overrides file (default: the configured one, without dirs)",
    )
    v.set_defaults(func=_validate)

    t = rsub.add_parser("test", help="run each rule's positive and negative samples")
    t.add_argument("dirs", nargs="*", type=Path)
    t.set_defaults(func=_test)

    h = rsub.add_parser("hunt", help="run rules over stored events, raising hunt alerts")
    h.add_argument("rules", nargs="+", type=Path, help="a rule file or a directory")
    h.add_argument("--since", default="30d", help="30d, 12h, 90m or an ISO-8601 time")
    h.add_argument("--until", default=None)
    h.set_defaults(func=_hunt)

    c = rsub.add_parser(
        "coverage", help="ATT&CK coverage of the active rules per logsource, and blind spots"
    )
    c.add_argument("--window", default=DEFAULT_WINDOW, help="events seen since: 1d, 12h, 90m, 2w")
    c.add_argument("--json", action="store_true", help="the API's JSON instead of tables")
    c.set_defaults(func=_coverage)


def _coverage(args: argparse.Namespace) -> int:
    with open_context() as ctx:
        report = coverage(ctx, window=args.window)
    if args.json:
        print(report.model_dump_json(indent=2))
    else:
        print(coverage_table(report))
    return 0


def _dirs(args_dirs: list[Path]) -> list[Path]:
    return args_dirs or [BUILTIN_RULES, *get_settings().rule_dirs]


def _validate(args: argparse.Namespace) -> int:
    if args.dirs:
        report = validate(args.dirs, mapping_file=args.mapping, overrides_file=args.overrides)
    else:  # the pipeline's rules, with its mapping and overrides files
        settings = get_settings()
        report = validate(
            _dirs(args.dirs),
            mapping_file=args.mapping or settings.detect_mapping_file,
            placeholders=settings.detect_placeholders,
            overrides_file=args.overrides or settings.rule_overrides_file,
        )
    print(report)
    return 0 if report.ok else 1


def _test(args: argparse.Namespace) -> int:
    report = run_samples(_dirs(args.dirs))
    for failure in report.failures:
        print(failure)
    print(f"{report.rules} rules, {report.samples} samples, {len(report.failures)} failures")
    return 0 if report.ok else 1


def _hunt(args: argparse.Namespace) -> int:
    with open_context() as ctx, tqdm(unit="events", desc="hunting") as bar:
        report = hunt(
            ctx,
            paths=args.rules,
            since=args.since,
            until=args.until,
            progress=bar.update,
            on_total=lambda total: setattr(bar, "total", total),
        )
    for error in report.rule_errors:
        print(f"{error.path}:{error.line or 1}: {error.message}")
    print(
        f"hunt {report.hunt_id}: {report.rules} rules, {report.correlations} correlations, "
        f"{report.events} events since {report.since}, {report.matches} matches, "
        f"{report.alerts_created} alerts created, {report.alerts_updated} updated"
    )
    return 0
