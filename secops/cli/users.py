"""`secops users add|disable|reset-mfa|list`: accounts of people."""

from __future__ import annotations

import argparse

from secops.auth import users
from secops.cli.deployment import cli_actor, open_context


def register(sub: argparse._SubParsersAction) -> None:
    cmd = sub.add_parser("users", help="accounts of people (MFA is enrolled at first login)")
    users_sub = cmd.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("add", help="create an account; prints its initial password once")
    add.add_argument("username")
    add.add_argument("--display-name")
    add.add_argument(
        "--role",
        action="append",
        required=True,
        choices=["admin", "soc_operator", "auditor"],
        help="repeat for several",
    )
    add.set_defaults(func=_add)
    for name, func, text in (
        ("disable", _disable, "disable an account and end its sessions"),
        ("reset-mfa", _reset_mfa, "forget the authenticator; enrol again at next login"),
    ):
        p = users_sub.add_parser(name, help=text)
        p.add_argument("username")
        p.set_defaults(func=func)
    users_sub.add_parser("list", help="every account").set_defaults(func=_list)


def _add(args: argparse.Namespace) -> int:
    with open_context() as ctx:
        user, password = users.create_user(
            ctx,
            username=args.username,
            display_name=args.display_name or args.username,
            roles=args.role,
            actor=cli_actor(),
        )
    print(f"created {user.username} ({', '.join(user.roles)})")
    print(f"initial password (shown once): {password}")
    print("at first login the account enrols its TOTP authenticator")
    return 0


def _disable(args: argparse.Namespace) -> int:
    with open_context() as ctx:
        users.disable_user(ctx, username=args.username, actor=cli_actor())
    print(f"disabled {args.username}; its sessions are ended")
    return 0


def _reset_mfa(args: argparse.Namespace) -> int:
    with open_context() as ctx:
        users.reset_mfa(ctx, username=args.username, actor=cli_actor())
    print(f"MFA of {args.username} reset; it enrols again at next login")
    return 0


def _list(args: argparse.Namespace) -> int:
    with open_context() as ctx:
        found = users.list_users(ctx)
    for u in found:
        state = "disabled" if u.disabled else ("mfa" if u.mfa_confirmed else "mfa-pending")
        print(f"{u.username:24} {','.join(u.roles):28} {state}")
    return 0
