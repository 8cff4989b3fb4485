"""`secops apikeys create|list|revoke|rotate`: keys of pushing systems."""

from __future__ import annotations

import argparse

from secops.auth import apikeys
from secops.cli.deployment import cli_actor, open_context


def register(sub: argparse._SubParsersAction) -> None:
    cmd = sub.add_parser("apikeys", help="API keys of systems that push logs")
    keys_sub = cmd.add_subparsers(dest="apikeys_command", required=True)
    create = keys_sub.add_parser("create", help="create a key; prints it once")
    create.add_argument("name")
    create.add_argument(
        "--role",
        action="append",
        default=None,
        choices=["ingest", "admin", "soc_operator", "auditor"],
        help="default: ingest (keys carry only systems' roles; the others are refused)",
    )
    create.add_argument(
        "--expires-in-days", type=int, default=365, help="0 for a key that never expires"
    )
    create.set_defaults(func=_create)
    keys_sub.add_parser("list", help="every key (never the secrets)").set_defaults(func=_list)
    revoke = keys_sub.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("key_id")
    revoke.set_defaults(func=_revoke)
    rotate = keys_sub.add_parser("rotate", help="new secret; the old one stays valid a while")
    rotate.add_argument("key_id")
    rotate.add_argument("--grace-seconds", type=int, default=None)
    rotate.set_defaults(func=_rotate)


def _create(args: argparse.Namespace) -> int:
    with open_context() as ctx:
        created = apikeys.create(
            ctx,
            name=args.name,
            roles=args.role or ["ingest"],
            expires_in_days=args.expires_in_days or None,
            actor=cli_actor(),
        )
    print(f"created {created.apikey.id} ({', '.join(created.apikey.roles)})")
    print(f"key (shown once): {created.key}")
    return 0


def _list(args: argparse.Namespace) -> int:
    with open_context() as ctx:
        found = apikeys.list_keys(ctx)
    for k in found:
        state = "revoked" if k.revoked_at else f"expires {k.expires_at or 'never'}"
        print(f"{k.id} {k.name:24} {','.join(k.roles):16} {state} last used {k.last_used_at}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    with open_context() as ctx:
        apikeys.revoke(ctx, key_id=args.key_id, actor=cli_actor())
    print(f"revoked {args.key_id}")
    return 0


def _rotate(args: argparse.Namespace) -> int:
    with open_context() as ctx:
        rotated = apikeys.rotate(
            ctx, key_id=args.key_id, grace_seconds=args.grace_seconds, actor=cli_actor()
        )
    print(f"new key (shown once): {rotated.key}")
    print(f"the old key stays valid until {rotated.apikey.previous_valid_until}")
    return 0
