"""`secops archive list|restore`: the snapshots of expired events, brought back on demand."""

from __future__ import annotations

import argparse

from secops.archive.service import archive_state, restore_archive
from secops.cli.deployment import cli_actor, open_context


def register(sub: argparse._SubParsersAction) -> None:
    archive = sub.add_parser("archive", help="archived events: list snapshots, restore one")
    archive_sub = archive.add_subparsers(dest="archive_command", required=True)
    listing = archive_sub.add_parser(
        "list", help="the repository, and each snapshot with its index and time range of events"
    )
    listing.add_argument("--json", action="store_true", help="the whole archive state as JSON")
    listing.set_defaults(func=_list)
    restore = archive_sub.add_parser(
        "restore", help="restore one snapshot as secops-<namespace>-restored-<index>"
    )
    restore.add_argument("snapshot", help="a snapshot name from `secops archive list`")
    restore.set_defaults(func=_restore)


def _list(args: argparse.Namespace) -> int:
    with open_context() as ctx:
        state = archive_state(ctx)
    if args.json:
        print(state.model_dump_json(indent=2))
        return 0
    where = f"{state.repository_type} {state.location}" if state.repository_type else "unregistered"
    oldest = state.oldest_event.isoformat() if state.oldest_event else "none"
    print(
        f"repository {state.repository} ({where}); retention {state.retention_days} days; "
        f"oldest live event {oldest}"
    )
    if state.error:
        print(f"error: {state.error}")
    for snap in state.snapshots:
        span = f"{_iso(snap.oldest)} .. {_iso(snap.newest)}"
        restored = f"  restored as {snap.restored_as}" if snap.restored_as else ""
        print(
            f"{snap.snapshot}  {snap.state}  {snap.events} events  {span}  {snap.index}{restored}"
        )
    if not state.snapshots:
        print("no archived events")
    return 0


def _restore(args: argparse.Namespace) -> int:
    with open_context() as ctx:
        restored = restore_archive(ctx, actor=cli_actor(), snapshot=args.snapshot)
    print(
        f"restored {restored.events} events of {restored.snapshot} into {restored.index}; "
        "hunts search it with the live events"
    )
    return 0


def _iso(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else "-"
