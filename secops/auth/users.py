"""Human accounts: stored in the users index under their username, changed with CAS."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from elasticsearch import ConflictError as ESConflictError
from elasticsearch import NotFoundError as ESNotFoundError

from secops.auth import audit
from secops.auth.models import UserDoc, UserView
from secops.auth.passwords import generate_password, hash_password
from secops.auth.principals import Actor, HumanRole, actor_name
from secops.context import Context
from secops.errors import ConflictError, InvalidInputError, NotFoundError

_ATTEMPTS = 10
USERNAME = re.compile(r"[a-z][a-z0-9._-]{1,63}")
LAST_ADMIN = "this is the last enabled admin: give another account the admin role first"


def index(ctx: Context) -> str:
    return ctx.names.index("users")


def get_user(ctx: Context, username: str) -> tuple[UserDoc, dict[str, Any]] | None:
    """The account and its CAS tokens (if_seq_no/if_primary_term), or None."""
    try:
        resp = ctx.es.get(index=index(ctx), id=username)
    except ESNotFoundError:
        return None
    cas = {"if_seq_no": resp["_seq_no"], "if_primary_term": resp["_primary_term"]}
    return UserDoc.model_validate(resp["_source"]), cas


def save_user(ctx: Context, user: UserDoc, cas: dict[str, Any], *, refresh: bool = False) -> None:
    """Write ``user`` if nobody changed it since it was read; ConflictError otherwise."""
    try:
        ctx.es.index(
            index=index(ctx),
            id=user.username,
            document=user.model_dump(mode="json"),
            refresh="wait_for" if refresh else False,
            **cas,
        )
    except ESConflictError as exc:
        raise ConflictError("the account changed concurrently", where=user.username) from exc


def update_user(ctx: Context, username: str, change: Callable[[UserDoc], UserDoc]) -> UserDoc:
    """Apply ``change`` to a fresh copy until it lands without a concurrent write."""
    for _ in range(_ATTEMPTS):
        found = get_user(ctx, username)
        if found is None:
            raise NotFoundError("no such user", where=username)
        user, cas = found
        updated = change(user.model_copy(deep=True))
        try:
            save_user(ctx, updated, cas, refresh=True)
        except ConflictError:
            continue
        return updated
    raise ConflictError("the account kept changing concurrently", where=username)


def view(user: UserDoc) -> UserView:
    return UserView(
        username=user.username,
        display_name=user.display_name,
        roles=list(user.roles),
        disabled=user.disabled,
        mfa_confirmed=user.mfa_confirmed,
        must_change_password=user.must_change_password,
        recovery_codes_left=len(user.recovery_codes),
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


def create_user(
    ctx: Context,
    *,
    username: str,
    display_name: str,
    roles: list[HumanRole],
    actor: Actor,
    password: str | None = None,
    now: datetime | None = None,
) -> tuple[UserDoc, str]:
    """A new account without MFA (enrolled at first login) and its initial password."""
    now = now or datetime.now(UTC)
    if not USERNAME.fullmatch(username):
        raise InvalidInputError("a username is 2-64 of a-z 0-9 . _ - and starts with a letter")
    if not roles:
        raise InvalidInputError("an account needs at least one role")
    password = password or generate_password()
    user = UserDoc(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        roles=sorted(set(roles)),
        created_at=now,
        created_by=actor_name(actor),
        updated_at=now,
    )
    try:
        ctx.es.create(
            index=index(ctx), id=username, document=user.model_dump(mode="json"), refresh="wait_for"
        )
    except ESConflictError as exc:
        audit.record(
            ctx,
            actor=actor,
            action="user.create",
            target=username,
            outcome="failure",
            details={"reason": "exists"},
        )
        raise ConflictError("a user of that name exists", where=username) from exc
    audit.record(
        ctx,
        actor=actor,
        action="user.create",
        target=username,
        outcome="success",
        details={"roles": list(user.roles)},
    )
    return user, password


def list_users(ctx: Context, *, limit: int = 1000) -> list[UserDoc]:
    resp = ctx.es.search(
        index=index(ctx), query={"match_all": {}}, sort=[{"username": "asc"}], size=limit
    )
    return [UserDoc.model_validate(hit["_source"]) for hit in resp["hits"]["hits"]]


def enabled_admins(ctx: Context) -> int:
    ctx.es.indices.refresh(index=index(ctx))
    query = {"bool": {"filter": [{"term": {"roles": "admin"}}, {"term": {"disabled": False}}]}}
    return int(ctx.es.count(index=index(ctx), query=query)["count"])


def any_admin(ctx: Context) -> bool:
    ctx.es.indices.refresh(index=index(ctx))
    resp = ctx.es.count(index=index(ctx), query={"term": {"roles": "admin"}})
    return int(resp["count"]) > 0


def _invalidate(user: UserDoc, now: datetime) -> UserDoc:
    # Every session and token carries the stamp it was issued under.
    user.security_stamp += 1
    user.updated_at = now
    return user


def _is_enabled_admin(user: UserDoc) -> bool:
    return "admin" in user.roles and not user.disabled


def _keeping_an_admin(
    ctx: Context,
    *,
    username: str,
    change: Callable[[UserDoc], UserDoc],
    undo: Callable[[UserDoc, UserDoc], UserDoc],
    actor: Actor,
    action: str,
) -> tuple[UserDoc, UserDoc]:
    """Apply ``change``; (before, after). Refused if it leaves no enabled admin.

    Counted before and again after the write: of two concurrent changes that each
    leave the other admin the last, one sees none left and is undone by
    ``undo(current, before)``.
    """
    found = get_user(ctx, username)
    if found is None:
        raise NotFoundError("no such user", where=username)
    before = found[0]

    def refuse() -> ConflictError:
        audit.record(
            ctx,
            actor=actor,
            action=action,
            target=username,
            outcome="failure",
            details={"reason": "last enabled admin"},
        )
        return ConflictError(LAST_ADMIN, where=username)

    def removes_admin(user: UserDoc) -> bool:
        return _is_enabled_admin(user) and not _is_enabled_admin(change(user.model_copy(deep=True)))

    if removes_admin(before) and enabled_admins(ctx) <= 1:
        raise refuse()
    seen: list[UserDoc] = []

    def recorded(user: UserDoc) -> UserDoc:
        seen.append(user.model_copy(deep=True))
        return change(user)

    after = update_user(ctx, username, recorded)
    before = seen[-1]
    if _is_enabled_admin(before) and not _is_enabled_admin(after) and enabled_admins(ctx) == 0:
        update_user(ctx, username, lambda user: undo(user, before))
        raise refuse()
    return before, after


def disable_user(
    ctx: Context, *, username: str, actor: Actor, now: datetime | None = None
) -> UserDoc:
    """Disable an account and end its sessions; never the last enabled admin."""
    now = now or datetime.now(UTC)

    def change(user: UserDoc) -> UserDoc:
        user.disabled = True
        return _invalidate(user, now)

    def undo(user: UserDoc, before: UserDoc) -> UserDoc:
        user.disabled = before.disabled
        return user

    _, user = _keeping_an_admin(
        ctx, username=username, change=change, undo=undo, actor=actor, action="user.disable"
    )
    audit.record(ctx, actor=actor, action="user.disable", target=username, outcome="success")
    return user


def enable_user(
    ctx: Context, *, username: str, actor: Actor, now: datetime | None = None
) -> UserDoc:
    """Let a disabled account log in again (its old sessions stay ended)."""
    now = now or datetime.now(UTC)

    def change(user: UserDoc) -> UserDoc:
        user.disabled, user.updated_at = False, now
        return user

    user = update_user(ctx, username, change)
    audit.record(ctx, actor=actor, action="user.enable", target=username, outcome="success")
    return user


def change_user(
    ctx: Context,
    *,
    username: str,
    actor: Actor,
    roles: list[HumanRole] | None = None,
    display_name: str | None = None,
    now: datetime | None = None,
) -> UserDoc:
    """New roles and/or display name. Removing a role ends the account's sessions (they carry
    the roles they were opened with); removing the last enabled admin is refused."""
    now = now or datetime.now(UTC)
    if roles is not None and not roles:
        raise InvalidInputError("an account needs at least one role")
    new_roles: list[HumanRole] | None = sorted(set(roles)) if roles is not None else None

    def change(user: UserDoc) -> UserDoc:
        if display_name is not None:
            user.display_name = display_name
        if new_roles is not None:
            shrinks = not set(user.roles) <= set(new_roles)
            user.roles = list(new_roles)
            if shrinks:
                _invalidate(user, now)
        user.updated_at = now
        return user

    def undo(user: UserDoc, before: UserDoc) -> UserDoc:
        user.roles = list(before.roles)
        return user

    before, after = _keeping_an_admin(
        ctx,
        username=username,
        change=change,
        undo=undo,
        actor=actor,
        action="user.update",
    )
    details: dict[str, Any] = {
        "roles": {"old": list(before.roles), "new": list(after.roles)},
        "sessions_ended": after.security_stamp != before.security_stamp,
    }
    if before.display_name != after.display_name:
        details["display_name"] = {"old": before.display_name, "new": after.display_name}
    audit.record(
        ctx, actor=actor, action="user.update", target=username, outcome="success", details=details
    )
    return after


def set_password(
    ctx: Context, *, username: str, actor: Actor, now: datetime | None = None
) -> tuple[UserDoc, str]:
    """An administrator's reset: a generated one-time password (returned, to be shown once),
    which the account must change at its next login; its sessions end."""
    now = now or datetime.now(UTC)
    password = generate_password()
    password_hash = hash_password(password)

    def change(user: UserDoc) -> UserDoc:
        user.password_hash = password_hash
        user.must_change_password = True
        return _invalidate(user, now)

    user = update_user(ctx, username, change)
    audit.record(
        ctx,
        actor=actor,
        action="user.set_password",
        target=username,
        outcome="success",
        details={"must_change_password": True},
    )
    return user, password


def reset_mfa(ctx: Context, *, username: str, actor: Actor, now: datetime | None = None) -> UserDoc:
    """Forget the authenticator and recovery codes; the next login enrols again."""
    now = now or datetime.now(UTC)

    def change(user: UserDoc) -> UserDoc:
        user.totp_secret = None
        user.mfa_confirmed = False
        user.recovery_codes = []
        user.totp_last_step = 0
        return _invalidate(user, now)

    user = update_user(ctx, username, change)
    audit.record(ctx, actor=actor, action="user.reset_mfa", target=username, outcome="success")
    return user


def set_preferences(
    ctx: Context,
    *,
    username: str,
    language: str | None = None,
    saved_views: dict[str, str] | None = None,
) -> UserDoc:
    """Keep a person's console preferences (language, saved queue views) with the account."""

    def change(user: UserDoc) -> UserDoc:
        if language is not None:
            user.language = language
        if saved_views is not None:
            user.saved_views = saved_views
        return user

    return update_user(ctx, username, change)
