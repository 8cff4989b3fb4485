"""The console's session: the API's own tokens, carried in cookies, and CSRF tokens.

A console login is an API login (``secops.auth.logins``): the access token and the
refresh token it returns live in ``HttpOnly``, ``SameSite=Strict`` cookies, marked
``Secure`` when the request came over TLS (directly, or through a proxy of
``SECOPS_TRUSTED_PROXIES`` that says ``X-Forwarded-Proto: https``). Every request
checks the access token as the API does; once it expired, the refresh token is
rotated for a new pair. A page and its polling fragments may ask at the same moment:
a refresh is done once per token, under a lock, and its result handed to the
others for a short while, since presenting a used refresh token ends the session.

Every state change also needs the CSRF token: a random value in its own cookie that
each form carries as ``csrf`` (and htmx as ``X-CSRF-Token``); a request whose two
copies differ is refused with 403 (double submit, on top of ``SameSite=Strict``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import Request
from starlette.datastructures import MutableHeaders

from api.addresses import _trusted
from api.security import POLICY_ATTR, Policy, admit
from secops.auth import logins, sessions
from secops.auth.models import TokenPair
from secops.auth.principals import Principal, Role
from secops.context import Context
from secops.errors import AuthError, PermissionDeniedError

ACCESS_COOKIE = "secops_access"
REFRESH_COOKIE = "secops_refresh"
CSRF_COOKIE = "secops_csrf"
LANG_COOKIE = "secops_lang"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
_STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_REFRESH_MEMORY_SECONDS = 30.0


class LoginRequiredError(AuthError):
    """No live console session: the browser is sent to the login page."""


class LoginStepRequiredError(PermissionDeniedError):
    """A login that still has to enrol MFA or change its password: sent to that page."""

    def __init__(self, scope: str) -> None:
        super().__init__(f"finish logging in first ({scope})")
        self.scope = scope


class StepUpRequiredError(PermissionDeniedError):
    """An action that needs a TOTP code verified within the step-up window."""


@dataclass
class PendingCookie:
    name: str
    value: str
    max_age: int | None  # None: a session cookie; 0: delete


def over_tls(request: Request) -> bool:
    """Whether the browser reached us over TLS (ours, or a trusted proxy's)."""
    if request.url.scheme == "https":
        return True
    ctx: Context = request.app.state.context
    peer = request.client.host if request.client else None
    if peer is None or not _trusted(peer, ctx.settings.trusted_proxies):
        return False
    proto = request.headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
    return proto == "https"


def _pending(request: Request) -> list[PendingCookie]:
    found: list[PendingCookie] | None = getattr(request.state, "console_cookies", None)
    if found is None:
        found = []
        request.state.console_cookies = found
    return found


def set_cookie(request: Request, name: str, value: str, *, max_age: int | None = None) -> None:
    """Queue a cookie for the answer (``api.console.headers`` writes them)."""
    pending = [c for c in _pending(request) if c.name != name]
    pending.append(PendingCookie(name, value, max_age))
    request.state.console_cookies = pending


def clear_cookie(request: Request, name: str) -> None:
    set_cookie(request, name, "", max_age=0)


def write_cookies(request: Request, headers: MutableHeaders) -> None:
    secure = "; Secure" if over_tls(request) else ""
    for cookie in getattr(request.state, "console_cookies", None) or []:
        age = "" if cookie.max_age is None else f"; Max-Age={cookie.max_age}"
        headers.append(
            "set-cookie",
            f"{cookie.name}={cookie.value}; Path=/; HttpOnly; SameSite=Strict{age}{secure}",
        )


def keep_tokens(request: Request, pair: TokenPair) -> None:
    set_cookie(request, ACCESS_COOKIE, pair.access_token)
    set_cookie(request, REFRESH_COOKIE, pair.refresh_token)


def keep_limited_token(request: Request, token: str) -> None:
    """The token of a login step (MFA enrolment, password change) as the session."""
    set_cookie(request, ACCESS_COOKIE, token)
    clear_cookie(request, REFRESH_COOKIE)


def forget_tokens(request: Request) -> None:
    clear_cookie(request, ACCESS_COOKIE)
    clear_cookie(request, REFRESH_COOKIE)


# --- CSRF -------------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """This browser's CSRF token, made (and queued as a cookie) on first use."""
    token = getattr(request.state, "csrf_token", None) or request.cookies.get(CSRF_COOKIE)
    if not token or len(token) < 32:
        token = secrets.token_urlsafe(32)
        set_cookie(request, CSRF_COOKIE, token)
    request.state.csrf_token = token
    return str(token)


async def check_csrf(request: Request) -> None:
    """Refuse a state change whose CSRF token is missing or differs from the cookie's."""
    if request.method not in _STATE_CHANGING:
        return
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else ""
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise PermissionDeniedError(
            "the form's security token is missing or out of date: reload the page and retry"
        )


# --- who is calling -----------------------------------------------------------------------

_refresh_lock = threading.Lock()
_refreshed: dict[str, tuple[float, TokenPair]] = {}


def _refresh(ctx: Context, refresh_token: str, now: datetime) -> TokenPair:
    key = hashlib.sha256(refresh_token.encode()).hexdigest()
    with _refresh_lock:
        moment = time.monotonic()
        for old in [
            k for k, (at, _) in _refreshed.items() if moment - at > _REFRESH_MEMORY_SECONDS
        ]:
            del _refreshed[old]
        if key in _refreshed:
            return _refreshed[key][1]
        pair = sessions.refresh(ctx, refresh_token=refresh_token, now=now)
        _refreshed[key] = (moment, pair)
        return pair


def identify(request: Request) -> Principal:
    """The holder of the console's cookies; a rotated pair is queued as new cookies."""
    ctx: Context = request.app.state.context
    now = datetime.now(UTC)
    access = request.cookies.get(ACCESS_COOKIE, "")
    if access:
        try:
            return sessions.authenticate(ctx, token=access, now=now)
        except AuthError:
            pass  # expired, perhaps: the refresh token decides
    refresh = request.cookies.get(REFRESH_COOKIE, "")
    if not refresh:
        raise LoginRequiredError("log in first")
    try:
        pair = _refresh(ctx, refresh, now)
        principal = sessions.authenticate(ctx, token=pair.access_token, now=now)
    except AuthError as exc:
        forget_tokens(request)
        raise LoginRequiredError("your session ended: log in again") from exc
    keep_tokens(request, pair)
    return principal


def page(*roles: Role, step_up: bool = False) -> Callable[[Request], Principal]:
    """The policy of a console page or action, as ``api.security.require`` for the API."""
    policy = Policy(roles=frozenset(roles), step_up=step_up)

    def dependency(request: Request) -> Principal:
        identity = identify(request)
        if identity.enrolment_only:
            raise LoginStepRequiredError(identity.scope)
        if step_up and identity.has_any(policy.roles):
            ctx: Context = request.app.state.context
            window = timedelta(seconds=ctx.settings.step_up_window_seconds)
            verified = identity.mfa_verified_at
            if verified is None or datetime.now(UTC) - verified > window:
                request.state.principal = identity
                raise StepUpRequiredError(
                    "this action needs a fresh TOTP code: enter one and retry"
                )
        return admit(policy, identity, request)

    setattr(dependency, POLICY_ATTR, policy)
    return dependency


def login_step(scope: str) -> Callable[[Request], Principal]:
    """The policy of a login step's page: that step's limited token, or a full session."""
    policy = Policy(roles=frozenset({Role.admin, Role.soc_operator, Role.auditor}))

    def dependency(request: Request) -> Principal:
        identity = identify(request)
        if identity.enrolment_only and identity.scope != scope:
            raise LoginStepRequiredError(identity.scope)
        return admit(policy, identity, request)

    setattr(dependency, POLICY_ATTR, policy)
    return dependency


def renew_mfa(request: Request, ctx: Context, principal: Principal, code: str) -> Principal:
    """Prove a fresh TOTP code (the API's step-up): the session's new access token is kept
    and the caller, with its new MFA time, returned for the rest of the request."""
    from dataclasses import replace

    if principal.session_id is None:
        raise PermissionDeniedError("only a person's session can do this")
    token = logins.step_up(ctx, identity=principal, code=code.strip(), address=principal.address)
    set_cookie(request, ACCESS_COOKIE, token.access_token)
    renewed = replace(principal, mfa_verified_at=datetime.now(UTC))
    request.state.principal = renewed
    return renewed


def reset_refresh_memory() -> None:
    """Forget coalesced refreshes (tests)."""
    with _refresh_lock:
        _refreshed.clear()
