"""Logging in to the console: password and TOTP, first-login MFA enrolment, password
change, step-up, language, logout. Each calls the API's own services (``secops.auth``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from api.console.forms import invalid
from api.console.i18n import LANGUAGES, Language, language_of
from api.console.session import (
    LANG_COOKIE,
    check_csrf,
    forget_tokens,
    keep_limited_token,
    keep_tokens,
    login_step,
    page,
    renew_mfa,
    set_cookie,
)
from api.console.web import render, see_other
from api.deps import Ctx
from api.security import client_address, public
from secops.auth import logins, mfa, users
from secops.auth.models import (
    EnrolmentRequired,
    LoginRequest,
    PasswordChange,
    PasswordChangeRequired,
)
from secops.auth.password_change import change_password as change_own_password
from secops.auth.principals import HUMAN_ROLES, Principal
from secops.errors import AuthError, InvalidInputError, RateLimitedError

router = APIRouter(dependencies=[Depends(check_csrf)])

Anyone = Annotated[Principal, Depends(public())]
Person = Annotated[Principal, Depends(page(*HUMAN_ROLES))]
Enrolling = Annotated[Principal, Depends(login_step("mfa_enrollment"))]
ChangingPassword = Annotated[Principal, Depends(login_step("password_change"))]


def _safe_next(target: str | None) -> str:
    """Only a path of this console, never another site (an open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\", "/api/")):
        return target
    return "/"


@router.get("/login")
def login_page(request: Request, _: Anyone, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login")
def login(
    request: Request,
    ctx: Ctx,
    _: Anyone,
    username: Annotated[str, Form(max_length=128)],
    password: Annotated[str, Form(max_length=1024)],
    totp: Annotated[str, Form(max_length=16)] = "",
    recovery_code: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    try:
        body = LoginRequest(
            username=username,
            password=password,
            totp=totp.strip() or None,
            recovery_code=recovery_code.strip() or None,
        )
        result = logins.login(ctx, request=body, address=client_address(request))
    except ValidationError as exc:
        return render(
            request, "login.html", next=next, username=username, error=invalid(exc), status_code=422
        )
    except (AuthError, RateLimitedError) as exc:
        status = 429 if isinstance(exc, RateLimitedError) else 401
        return render(
            request,
            "login.html",
            next=next,
            username=username,
            error=exc.message,
            status_code=status,
        )
    if isinstance(result, EnrolmentRequired):
        keep_limited_token(request, result.enrollment_token)
        return see_other("/mfa")
    if isinstance(result, PasswordChangeRequired):
        keep_limited_token(request, result.password_change_token)
        return see_other("/password")
    keep_tokens(request, result)
    return see_other(_safe_next(next))


@router.get("/mfa")
def mfa_page(request: Request, principal: Enrolling) -> Response:
    return render(request, "mfa.html", principal=principal, enrollment=None, error=None)


@router.post("/mfa/enroll")
def mfa_enroll(request: Request, ctx: Ctx, principal: Enrolling) -> Response:
    enrollment = mfa.enroll(ctx, identity=principal, address=client_address(request))
    return render(request, "mfa.html", principal=principal, enrollment=enrollment, error=None)


@router.post("/mfa/confirm")
def mfa_confirm(
    request: Request,
    ctx: Ctx,
    principal: Enrolling,
    code: Annotated[str, Form(max_length=16)],
) -> Response:
    if not code.strip().isdigit() or len(code.strip()) != 6:
        raise InvalidInputError("the code has 6 digits")
    confirmed = mfa.confirm(
        ctx, identity=principal, code=code.strip(), address=client_address(request)
    )
    tokens = confirmed.tokens
    if isinstance(tokens, PasswordChangeRequired):
        keep_limited_token(request, tokens.password_change_token)
        after = "/password"
    else:
        keep_tokens(request, tokens)
        after = "/"
    return render(
        request,
        "recovery_codes.html",
        principal=principal,
        codes=confirmed.recovery_codes,
        after=after,
    )


@router.get("/password")
def password_page(request: Request, principal: ChangingPassword) -> Response:
    return render(request, "password.html", principal=principal, error=None)


@router.post("/password")
def password_change(
    request: Request,
    ctx: Ctx,
    principal: ChangingPassword,
    current_password: Annotated[str, Form(max_length=1024)],
    new_password: Annotated[str, Form(max_length=1024)],
    code: Annotated[str, Form(max_length=16)],
) -> Response:
    try:
        body = PasswordChange(
            current_password=current_password, new_password=new_password, code=code.strip()
        )
        pair = change_own_password(
            ctx, identity=principal, request=body, address=client_address(request)
        )
    except ValidationError as exc:
        error = invalid(exc)
        return render(request, "password.html", principal=principal, error=error, status_code=422)
    except (AuthError, InvalidInputError) as exc:
        status = 401 if isinstance(exc, AuthError) else 422
        return render(
            request, "password.html", principal=principal, error=exc.message, status_code=status
        )
    keep_tokens(request, pair)
    return see_other("/")


@router.post("/step-up")
def step_up(
    request: Request,
    ctx: Ctx,
    principal: Person,
    code: Annotated[str, Form(max_length=16)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """A fresh TOTP code for the actions that need one; back to where it was asked."""
    renew_mfa(request, ctx, principal, code)
    return see_other(_safe_next(next))


@router.post("/logout")
def logout(request: Request, ctx: Ctx, principal: Person) -> Response:
    logins.logout(ctx, identity=principal, address=client_address(request))
    forget_tokens(request)
    return see_other("/login")


@router.post("/language")
def language(
    request: Request,
    _: Anyone,
    lang: Annotated[str, Form(max_length=8)],
    next: Annotated[str, Form(max_length=2000)] = "/login",
) -> Response:
    """The language of the login page, kept in a cookie of the browser."""
    set_cookie(request, LANG_COOKIE, _language(lang), max_age=365 * 86400)
    return see_other(_safe_next(next))


@router.post("/preferences/language")
def my_language(
    request: Request,
    ctx: Ctx,
    principal: Person,
    lang: Annotated[str, Form(max_length=8)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """The language of every page, kept with the account (and for its login page)."""
    chosen = _language(lang)
    users.set_preferences(ctx, username=principal.name, language=chosen)
    set_cookie(request, LANG_COOKIE, chosen, max_age=365 * 86400)
    return see_other(_safe_next(next))


def _language(value: str) -> Language:
    chosen = language_of(value)
    if chosen is None:
        raise InvalidInputError(f"the language is one of {', '.join(LANGUAGES)}")
    return chosen
