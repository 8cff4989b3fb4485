"""The first administrator of a development instance, created by `secops up`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from secops.auth import totp, users
from secops.auth.crypto import seal
from secops.auth.keys import data_key
from secops.auth.principals import Role
from secops.context import Context

DEV_ADMIN = "admin"


@dataclass(frozen=True)
class DevAdminCredentials:
    username: str
    password: str
    totp_secret: str
    provisioning_uri: str
    recovery_codes: list[str]


def ensure_dev_admin(ctx: Context) -> DevAdminCredentials | None:
    """Create ``admin`` with MFA already enrolled when no administrator exists.

    Only for development instances: the caller prints the credentials once.
    """
    if not ctx.settings.dev_mode or users.any_admin(ctx):
        return None
    now = datetime.now(UTC)
    user, password = users.create_user(
        ctx,
        username=DEV_ADMIN,
        display_name="Development admin",
        roles=[Role.admin],
        actor="system:dev-mode",
        now=now,
    )
    secret = totp.new_secret()
    codes = totp.new_recovery_codes()

    def enrol(doc: users.UserDoc) -> users.UserDoc:
        doc.totp_secret = seal(data_key(ctx.settings), secret, bound_to=doc.username)
        doc.mfa_confirmed = True
        doc.recovery_codes = [totp.hash_recovery_code(c) for c in codes]
        return doc

    users.update_user(ctx, user.username, enrol)
    return DevAdminCredentials(
        username=user.username,
        password=password,
        totp_secret=secret,
        provisioning_uri=totp.provisioning_uri(secret, username=user.username),
        recovery_codes=codes,
    )
