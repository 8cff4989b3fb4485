"""`secops report generate|export|mail|verify`: signed reports, their renderings, checks."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from secops.cli import report_files
from secops.cli.deployment import cli_actor, open_context
from secops.compliance.period_report import sign_period_report
from secops.compliance.periods import CALENDARS, parse_period
from secops.compliance.rendering.manifest import FORMAT as MANIFEST_FORMAT
from secops.compliance.rendering.manifest import sniff
from secops.compliance.reports import generate_report, verify_report
from secops.hunt.service import parse_since


def register(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="signed compliance reports")
    report_sub = report.add_subparsers(dest="report_command", required=True)
    gen = report_sub.add_parser(
        "generate", help="evaluate, sign, store and record a report; print or write it"
    )
    gen.add_argument(
        "--period",
        help="a calendar period, signed once: 1405 (year), 1405-H1 (half-year), 1405-Q3 "
        "(quarter), 1405-07 (month); in --calendar and SECOPS_TIMEZONE",
    )
    gen.add_argument(
        "--calendar",
        choices=CALENDARS,
        help="calendar of --period (default: SECOPS_REPORT_CALENDAR, solar_hijri)",
    )
    gen.add_argument(
        "--since", default="30d", help="without --period: 30d, 12h, 90m or an ISO-8601 time"
    )
    gen.add_argument("--until", help="same forms as --since; now if unset")
    gen.add_argument("--out", type=Path, help="write the signed JSON here (default: stdout)")
    gen.set_defaults(func=_generate)
    report_files.register(report_sub)
    check = report_sub.add_parser(
        "verify",
        help="check a report's JSON, its manifest, or an HTML or PDF rendering; "
        "exit 0 if intact, 1 if not",
    )
    check.add_argument("file", type=Path, help="the report JSON, manifest, HTML or PDF")
    check.add_argument(
        "--manifest",
        type=Path,
        help="the signed manifest a rendering is checked against "
        "(default: REPORT_ID.manifest.json beside the file)",
    )
    check.add_argument(
        "--public-key", type=Path, help="PEM public key (default: the key the file carries)"
    )
    check.add_argument(
        "--online",
        action="store_true",
        help="also check the audit trail's entry of the report, with this deployment's key",
    )
    check.set_defaults(func=_verify)


def _generate(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    if args.period:
        return _generate_period(args, now)
    start = datetime.fromisoformat(parse_since(args.since, now=now))
    end = datetime.fromisoformat(parse_since(args.until, now=now)) if args.until else now
    with open_context() as ctx:
        report = generate_report(
            ctx, period_start=start, period_end=end, actor=cli_actor(), now=now
        )
    text = json.dumps(report.document, indent=2, ensure_ascii=False) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"report {report.report_id} ({report.status}) sha256 {report.hash} -> {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def _generate_period(args: argparse.Namespace, now: datetime) -> int:
    with open_context() as ctx:
        period = parse_period(
            args.period,
            calendar=args.calendar or ctx.settings.report_calendar,
            timezone=ctx.settings.timezone,
        )
        report, created = sign_period_report(ctx, period, actor=cli_actor(), now=now)
    text = json.dumps(report.document, indent=2, ensure_ascii=False) + "\n"
    said = "signed" if created else "signed before, unchanged"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"report {report.report_id} ({report.status}, {said}) -> {args.out}")
        print(f"sha256 {report.hash}")
    else:
        sys.stdout.write(text)
        print(f"report {report.report_id}: {said}", file=sys.stderr)
    return 0


def _verify(args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"NOT intact: cannot read {args.file}: {exc}", file=sys.stderr)
        return 1
    if sniff(data) != "json" or args.manifest:
        return report_files.verify_file(args, data)
    try:
        document = json.loads(data)
    except ValueError as exc:
        print(f"report NOT intact: cannot read {args.file} as JSON: {exc}", file=sys.stderr)
        return 1
    if isinstance(document, dict) and document.get("format") == MANIFEST_FORMAT:
        return report_files.verify_file(args, data)
    pem = args.public_key.read_bytes() if args.public_key else None
    if args.online:
        with open_context(apply_templates=False) as ctx:
            result = verify_report(document, public_key=pem, ctx=ctx)
    else:
        result = verify_report(document, public_key=pem)
    print(result.model_dump_json(indent=2))
    if not result.intact:
        print(f"report NOT intact: {result.reason}: {result.detail}", file=sys.stderr)
        return 1
    if result.key_source == "embedded":
        print(
            f"checked with the key the report carries ({result.key_id}); "
            "compare it with the published key (secops audit export-key)",
            file=sys.stderr,
        )
    return 0
