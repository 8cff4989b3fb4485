"""`secops report generate|export|mail|verify`: signed reports, their renderings, checks."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from secops.cli.deployment import cli_actor, open_context
from secops.compliance.rendering.manifest import FORMAT as MANIFEST_FORMAT
from secops.compliance.rendering.manifest import sniff
from secops.compliance.reports import generate_report, get_report, verify_report
from secops.hunt.service import parse_since


def register(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="signed compliance reports")
    report_sub = report.add_subparsers(dest="report_command", required=True)
    gen = report_sub.add_parser(
        "generate", help="evaluate, sign, store and record a report; print or write it"
    )
    gen.add_argument("--since", default="30d", help="30d, 12h, 90m or an ISO-8601 time")
    gen.add_argument("--until", help="same forms as --since; now if unset")
    gen.add_argument("--out", type=Path, help="write the signed JSON here (default: stdout)")
    gen.set_defaults(func=_generate)
    export = report_sub.add_parser(
        "export",
        help="write a report's signed JSON, its HTML and PDF in Persian and English and "
        "their signed manifest into a directory (rendering them once if needed)",
    )
    export.add_argument("report_id")
    export.add_argument("--out", type=Path, required=True, help="directory to write into")
    export.set_defaults(func=_export)
    send = report_sub.add_parser(
        "mail", help="mail a report's PDFs, JSON and manifest to SECOPS_REPORT_MAIL_TO"
    )
    send.add_argument("report_id")
    send.set_defaults(func=_mail)
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


def _export(args: argparse.Namespace) -> int:
    from secops.compliance.rendering import service  # WeasyPrint loads only when rendering

    with open_context() as ctx:
        manifest = service.publish(ctx, report_id=args.report_id, actor=cli_actor())
        files = {
            f"{args.report_id}.json": _json(get_report(ctx, report_id=args.report_id).document)
        }
        files[f"{args.report_id}.manifest.json"] = _json(manifest)
        for entry in manifest["files"]:
            listed, data = service.rendering(
                ctx,
                report_id=args.report_id,
                kind=entry["kind"],
                lang=entry["lang"],
                actor=cli_actor(),
            )
            files[listed.name] = data
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (args.out / name).write_bytes(data)
        print(f"{args.out / name}")
    return 0


def _mail(args: argparse.Namespace) -> int:
    from secops.compliance.rendering import mail

    with open_context() as ctx:
        sent = mail.mail_report(ctx, report_id=args.report_id, actor=cli_actor())
    print(
        f"report {sent.report_id} mailed to {', '.join(sent.recipients)}: "
        f"{', '.join(sent.attachments)}"
    )
    return 0


def _json(value: object) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _manifest_for(args: argparse.Namespace) -> tuple[dict[str, object] | None, str | None]:
    """The manifest given, or the one named after the file's report beside it."""
    path = args.manifest
    if path is None:
        beside = args.file.with_name(args.file.name.split(".")[0] + ".manifest.json")
        path = beside if beside.exists() and beside != args.file else None
    if path is None:
        return None, None
    try:
        loaded = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        return None, f"cannot read the manifest {path}: {exc}"
    return (loaded if isinstance(loaded, dict) else None), None


def _verify_file(args: argparse.Namespace, data: bytes) -> int:
    from secops.compliance.rendering import service

    manifest, problem = _manifest_for(args)
    if problem:
        print(f"NOT intact: {problem}", file=sys.stderr)
        return 1
    pem = args.public_key.read_bytes() if args.public_key else None
    if args.online:
        with open_context(apply_templates=False) as ctx:
            result = service.verify_file(data, manifest=manifest, public_key=pem, ctx=ctx)
    else:
        result = service.verify_file(data, manifest=manifest, public_key=pem)
    print(result.model_dump_json(indent=2, exclude_none=True))
    if not result.intact:
        print(
            f"{result.kind or 'file'} NOT intact: {result.reason}: {result.detail}", file=sys.stderr
        )
        return 1
    if result.key_source == "embedded":
        print(
            f"checked with the key the manifest carries ({result.key_id}); "
            "compare it with the published key (secops audit export-key)",
            file=sys.stderr,
        )
    return 0


def _verify(args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"NOT intact: cannot read {args.file}: {exc}", file=sys.stderr)
        return 1
    if sniff(data) != "json" or args.manifest:
        return _verify_file(args, data)
    try:
        document = json.loads(data)
    except ValueError as exc:
        print(f"report NOT intact: cannot read {args.file} as JSON: {exc}", file=sys.stderr)
        return 1
    if isinstance(document, dict) and document.get("format") == MANIFEST_FORMAT:
        return _verify_file(args, data)
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
