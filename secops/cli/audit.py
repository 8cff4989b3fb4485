"""`secops audit verify|acknowledge-truncation|export-key`: check the audit trail, accept a
truncation it cannot undo, hand out its public key."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from secops.audit import acknowledge_truncation, blocked, public_key_pem, signing_key, verify
from secops.audit.service import ACK_ACTION
from secops.auth.admin_proof import admin_step_up
from secops.cli.deployment import cli_actor, open_context
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
    check.add_argument(
        "--no-checkpoint",
        action="store_true",
        help="ignore this machine's checkpoint file (verifying a trail anchored elsewhere)",
    )
    check.set_defaults(func=_verify)
    ack = audit_sub.add_parser(
        "acknowledge-truncation",
        help="accept a truncated chain as the new base (an administrator with a TOTP code); "
        "appends resume, held entries first",
    )
    ack.add_argument("--admin", required=True, help="username of the acknowledging administrator")
    ack.add_argument("--reason", required=True, help="why the truncation is accepted")
    ack.add_argument("--code", help="a current TOTP code (asked for when absent)")
    ack.set_defaults(func=_acknowledge)
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
        report = verify(
            ctx, public_key=pem, expect_head=head, use_checkpoint=not args.no_checkpoint
        )
    print(report.model_dump_json(indent=2))
    if not report.intact:
        where = f"seq {report.first_broken_seq or '-'}: {report.reason}: {report.detail}"
        print(f"audit trail BROKEN at {where}", file=sys.stderr)
        return 1
    return 0


def _acknowledge(args: argparse.Namespace) -> int:
    code = args.code or getpass.getpass(f"TOTP code of {args.admin}: ")
    with open_context() as ctx:
        truncation = blocked(ctx)
        if truncation is None:
            print("the audit trail is not truncated: nothing to acknowledge", file=sys.stderr)
            return 1
        print(truncation.detail)
        admin = admin_step_up(ctx, username=args.admin, code=code.strip(), action=ACK_ACTION)
        done = acknowledge_truncation(
            ctx, actor=admin, reason=args.reason, via=cli_actor().removeprefix("system:")
        )
    print(
        f"acknowledged by {admin.name} in seq {done.entry.seq}; "
        f"{done.held_appended} held entries appended"
    )
    return 0


def _export_key(args: argparse.Namespace) -> int:
    print(public_key_pem(signing_key(get_settings()).public_key()), end="")
    return 0
