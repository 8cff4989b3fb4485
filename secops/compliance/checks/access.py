"""Access control: MFA of every account, sessions of disabled accounts, API key hygiene."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field

from secops.auth import apikeys, sessions, users
from secops.compliance.checks.base import CheckRun, NoParams, Params, iso, listed, names
from secops.compliance.models import CheckOutcome

_MAX_ACCOUNTS = 10_000


def mfa_confirmed(run: CheckRun, params: NoParams) -> CheckOutcome:
    """Every enabled human account has a confirmed TOTP authenticator."""
    accounts = users.list_users(run.ctx, limit=_MAX_ACCOUNTS)
    enabled = [u for u in accounts if not u.disabled]
    without = sorted(u.username for u in enabled if not u.mfa_confirmed)
    evidence = {
        "accounts": len(accounts),
        "enabled": len(enabled),
        "with_mfa": len(enabled) - len(without),
        "without_mfa": listed(without),
        "without_mfa_count": len(without),
    }
    if without:
        return CheckOutcome(
            status="fail",
            summary=f"{len(without)} of {len(enabled)} enabled accounts have no confirmed MFA: "
            f"{names(without)}.",
            evidence=evidence,
        )
    return CheckOutcome(
        status="pass",
        summary=f"All {len(enabled)} enabled accounts have MFA confirmed.",
        evidence=evidence,
    )


def disabled_without_sessions(run: CheckRun, params: NoParams) -> CheckOutcome:
    """No disabled account holds a session that its security stamp still honours."""
    disabled = {u.username: u for u in users.list_users(run.ctx, limit=_MAX_ACCOUNTS) if u.disabled}
    live: list[dict[str, Any]] = []
    invalidated = 0
    for stored in sessions.unrevoked_sessions(run.ctx, usernames=disabled, now=run.now):
        session = stored.session
        if session.security_stamp == disabled[session.username].security_stamp:
            live.append(
                {
                    "session_id": stored.id,
                    "username": session.username,
                    "created_at": iso(session.created_at),
                    "refresh_expires_at": iso(session.refresh_expires_at),
                }
            )
        else:
            invalidated += 1
    evidence = {
        "disabled_accounts": sorted(disabled),
        "live_sessions": listed(live),
        "live_session_count": len(live),
        "sessions_invalidated_by_stamp": invalidated,
    }
    if live:
        who = sorted({s["username"] for s in live})
        return CheckOutcome(
            status="fail",
            summary=f"{len(live)} live sessions belong to disabled accounts: {names(who)}.",
            evidence=evidence,
        )
    return CheckOutcome(
        status="pass",
        summary=f"None of the {len(disabled)} disabled accounts holds a live session.",
        evidence=evidence,
    )


def apikeys_expired_revoked(run: CheckRun, params: NoParams) -> CheckOutcome:
    """No API key past its expiry is still active (not revoked)."""
    keys = apikeys.list_keys(run.ctx, limit=_MAX_ACCOUNTS)
    active = [k for k in keys if k.revoked_at is None]
    expired = [k for k in active if k.expires_at is not None and k.expires_at <= run.now]
    evidence = {
        "keys": len(keys),
        "active": len(active),
        "without_expiry": sorted(k.id for k in active if k.expires_at is None),
        "expired_active": listed(
            [{"id": k.id, "name": k.name, "expires_at": iso(k.expires_at)} for k in expired]
        ),
        "expired_active_count": len(expired),
    }
    if expired:
        return CheckOutcome(
            status="fail",
            summary=f"{len(expired)} API keys are past expiry but not revoked: "
            f"{names([f'{k.name} ({k.id})' for k in expired])}.",
            evidence=evidence,
        )
    return CheckOutcome(
        status="pass",
        summary=f"No active API key is past its expiry ({len(active)} active).",
        evidence=evidence,
    )


class RotationParams(Params):
    max_age_days: int = Field(365, ge=1, le=3650)


def apikeys_rotated(run: CheckRun, params: RotationParams) -> CheckOutcome:
    """Every active API key got a new secret within ``max_age_days``."""
    cutoff = run.now - timedelta(days=params.max_age_days)
    active = [k for k in apikeys.list_keys(run.ctx, limit=_MAX_ACCOUNTS) if k.revoked_at is None]
    stale = [k for k in active if (k.rotated_at or k.created_at) < cutoff]
    evidence = {
        "active": len(active),
        "max_age_days": params.max_age_days,
        "not_rotated": listed(
            [
                {
                    "id": k.id,
                    "name": k.name,
                    "created_at": iso(k.created_at),
                    "rotated_at": iso(k.rotated_at),
                }
                for k in stale
            ]
        ),
        "not_rotated_count": len(stale),
    }
    if stale:
        return CheckOutcome(
            status="fail",
            summary=f"{len(stale)} active API keys were not rotated for {params.max_age_days} "
            f"days: {names([f'{k.name} ({k.id})' for k in stale])}.",
            evidence=evidence,
        )
    return CheckOutcome(
        status="pass",
        summary=f"All {len(active)} active API keys were rotated within "
        f"{params.max_age_days} days.",
        evidence=evidence,
    )
