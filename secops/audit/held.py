"""Entries recorded while the trail is blocked: kept on local disk, appended later.

While a truncation waits for an administrator, nothing may be appended on top of
the shortened chain, yet the actions of that time (logins, the acknowledgement's
own step-up) must not go unrecorded. Each is written, signed and fsynced, to
``<state_dir>/audit/<namespace>/held.jsonl`` before ``record`` returns; after the
acknowledgement they are appended to the chain in the order they were held, each
with ``details.audit_held`` saying when it was held and whether its line verified.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from secops.audit.signed_lines import (
    append_lines,
    line_signature_valid,
    locked,
    parse_line,
    read_lines,
    read_locked,
    rewrite_locked,
    sign_line,
)
from secops.settings import Settings
from secops.times import now_micros

FORMAT = "secops.audit-held/1"
HELD_KEY = "audit_held"  # key under ``details`` of an entry appended from the held file


def held_path(settings: Settings) -> Path:
    return settings.state_dir / "audit" / settings.namespace / "held.jsonl"


def hold(
    settings: Settings, key: Ed25519PrivateKey, body: dict[str, Any], *, reason: str
) -> dict[str, Any]:
    """Keep ``body`` (actor, action, target, outcome, details) durably; the line written."""
    doc = sign_line(
        {
            "format": FORMAT,
            "namespace": settings.namespace,
            "hold_id": secrets.token_hex(8),
            "queued_at": now_micros(),
            "reason": reason,
            "body": body,
        },
        key,
    )
    append_lines(held_path(settings), [doc])
    return doc


def has_held(settings: Settings) -> bool:
    try:
        return held_path(settings).stat().st_size > 0
    except FileNotFoundError:
        return False


def held_count(settings: Settings) -> int:
    return len(read_lines(held_path(settings)).lines)


def _body(n: int, text: bytes, public_key: Ed25519PublicKey, where: str) -> dict[str, Any]:
    """The entry to append for one held line, its details marked with how it was held."""
    doc = parse_line(text)
    body = doc.get("body") if doc else None
    if doc is None or not isinstance(body, dict):
        # Kept whole rather than dropped: the auditor sees what the line held.
        doc, body = (
            {},
            {
                "actor": {
                    "id": "system:audit",
                    "kind": "system",
                    "name": "system:audit",
                    "roles": [],
                    "address": None,
                },
                "action": "audit.held.unreadable",
                "target": f"{where}:{n}",
                "outcome": "failure",
                "details": {"line": text.decode("utf-8", "replace")[:4000]},
            },
        )
    mark = {
        "hold_id": doc.get("hold_id"),
        "queued_at": doc.get("queued_at"),
        "reason": doc.get("reason"),
        "signature_valid": bool(doc) and line_signature_valid(doc, public_key),
    }
    details = body.get("details")
    kept = dict(details) if isinstance(details, dict) else {}
    return {**body, "details": {**kept, HELD_KEY: mark}}


def drain(
    settings: Settings,
    public_key: Ed25519PublicKey,
    append: Callable[[dict[str, Any]], object],
) -> int:
    """Hand each held entry, oldest first, to ``append``; how many went.

    The file stays locked throughout, so nothing is held meanwhile and then cleared
    unseen. If ``append`` fails, the lines not yet appended stay held.
    """
    path = held_path(settings)
    if not has_held(settings):
        return 0
    with locked(path) as fd:
        lines = read_locked(fd).lines
        for done, (n, text) in enumerate(lines):
            try:
                append(_body(n, text, public_key, str(path)))
            except BaseException:
                rewrite_locked(fd, [t for _, t in lines[done:]])
                raise
        rewrite_locked(fd, [])
    return len(lines)
