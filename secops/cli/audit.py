"""`secops audit verify|export-key`: check the audit trail, hand out its public key."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from secops.audit import public_key_pem, signing_key, verify
from secops.cli.deployment import open_context
from secops.settings import get_settings


def register(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser("audit", help="the tamper-evident audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    check = audit_sub.add_parser(
        "verify", help="walk the chain; exit 0 if intact, 1 with the first break"
    )
    check.add_argument(
        "--public-key", type=Path, help="PEM public key to verify with (default: this deployment's)"
    )
    check.add_argument(
        "--expect-head",
        metavar="SEQ:HASH",
        help="a head recorded earlier (from a previous report); catches truncation",
    )
    check.set_defaults(func=_verify)
    export = audit_sub.add_parser("export-key", help="print the public key PEM for auditors")
    export.set_defaults(func=_export_key)


def _parse_head(text: str) -> tuple[int, str]:
    seq, sep, digest = text.partition(":")
    if not sep or not seq.isdigit() or len(digest) != 64:
        raise SystemExit("--expect-head must be SEQ:HASH (a 64-hex-digit hash)")
    return int(seq), digest.lower()


def _verify(args: argparse.Namespace) -> int:
    pem = args.public_key.read_bytes() if args.public_key else None
    head = _parse_head(args.expect_head) if args.expect_head else None
    with open_context(apply_templates=False) as ctx:
        report = verify(ctx, public_key=pem, expect_head=head)
    print(report.model_dump_json(indent=2))
    if not report.intact:
        where = f"seq {report.first_broken_seq}: {report.reason}: {report.detail}"
        print(f"audit trail BROKEN at {where}", file=sys.stderr)
        return 1
    return 0


def _export_key(args: argparse.Namespace) -> int:
    print(public_key_pem(signing_key(get_settings()).public_key()), end="")
    return 0
