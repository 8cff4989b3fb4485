"""`secops users add|set-roles|set-password|enable|disable|reset-mfa|list`: accounts of people."""

from __future__ import annotations

import argparse

from secops.auth import users
from secops.cli.deployment import cli_actor, open_context

ROLES = ["admin", "soc_operator", "auditor"]


def register(sub: argparse._SubParsersAction) -> None:
    cmd = sub.add_parser("users", help="accounts of people (MFA is enrolled at first login)")
    users_sub = cmd.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("add", help="create an account; prints its initial password once")
    add.add_argument("username")
    add.add_argument("--display-name")
    add.add_argument(
        "--role", action="append", required=True, choices=ROLES, help="repeat for several"
    )
    add.set_defaults(func=_add)
    roles = users_sub.add_parser(
        "set-roles", help="replace an account's roles; fewer roles end its sessions"
    )
    roles.add_argument("username")
    roles.add_argument(
        "--role", action="append", required=True, choices=ROLES, help="repeat for several"
    )
    roles.add_argument("--display-name")
    roles.set_defaults(func=_set_roles)
    for name, func, text in (
        (
            "set-password",
            _set_password,
            "reset a password: prints a one-time password, to be changed at next login",
        ),
        ("enable", _enable, "let a disabled account log in again"),
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


def _set_roles(args: argparse.Namespace) -> int:
    with open_context() as ctx:
        user = users.change_user(
            ctx,
            username=args.username,
            roles=args.role,
            display_name=args.display_name,
            actor=cli_actor(),
        )
    print(f"{user.username}: {', '.join(user.roles)}")
    return 0


def _set_password(args: argparse.Namespace) -> int:
    with open_context() as ctx:
        _, password = users.set_password(ctx, username=args.username, actor=cli_actor())
    print(f"one-time password of {args.username} (shown once): {password}")
    print("its sessions are ended; at next login it must choose a new password")
    return 0


def _enable(args: argparse.Namespace) -> int:
    with open_context() as ctx:
        users.enable_user(ctx, username=args.username, actor=cli_actor())
    print(f"enabled {args.username}")
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
        if u.must_change_password:
            state += ",password-reset"
        print(f"{u.username:24} {','.join(u.roles):28} {state}")
    return 0
