"""`secops report export|mail` and the check of renderings and manifests for `verify`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from secops.cli.deployment import cli_actor, open_context
from secops.compliance.reports import get_report


def register(report_sub: argparse._SubParsersAction) -> None:
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


def verify_file(args: argparse.Namespace, data: bytes) -> int:
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
