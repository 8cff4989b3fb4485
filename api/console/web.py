"""Rendering the console: Jinja2 templates in the caller's language, and its headers.

Every console answer carries a strict Content-Security-Policy (scripts, styles and
fonts from this origin only, no inline script or style) and the usual hardening
headers; the cookies a request queued (``api.console.session``) are written here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.console.i18n import DEFAULT_LANGUAGE, Language, Locale, language_of
from api.console.session import LANG_COOKIE, csrf_token, write_cookies
from secops.auth import users
from secops.auth.principals import Principal
from secops.context import Context
from secops.errors import InvalidInputError

TEMPLATES = Path(__file__).parent / "templates"
API_PREFIX = "/api/v1"

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
_HARDENING = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


def is_console_path(path: str) -> bool:
    return not (path.startswith(API_PREFIX) or path == "/metrics")


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["tojson_pretty"] = lambda v: json.dumps(v, indent=2, ensure_ascii=False)
    return env


def user_language(request: Request, principal: Principal | None) -> Language:
    """The language of the page: the account's choice, else the browser's cookie."""
    if principal is not None and principal.kind == "user" and not principal.enrolment_only:
        ctx: Context = request.app.state.context
        found = users.get_user(ctx, principal.name)
        chosen = language_of(found[0].language) if found else None
        if chosen:
            return chosen
    return language_of(request.cookies.get(LANG_COOKIE)) or DEFAULT_LANGUAGE


def locale_of(request: Request, principal: Principal | None) -> Locale:
    ctx: Context = request.app.state.context
    return Locale(user_language(request, principal), ZoneInfo(ctx.settings.timezone))


def render(
    request: Request,
    template: str,
    *,
    principal: Principal | None = None,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    """A page (or an htmx fragment) in the caller's language."""
    loc = locale_of(request, principal)
    env = environment()
    page = env.get_template(template)
    roles = {str(r) for r in principal.roles} if principal else set()
    html = page.render(
        _=loc.gettext,
        gettext=loc.gettext,
        ngettext=loc.ngettext,
        loc=loc,
        request=request,
        me=principal,
        roles=roles,
        csrf=csrf_token(request),
        query=lambda **kw: urlencode({k: v for k, v in kw.items() if v not in (None, "")}),
        **values,
    )
    return HTMLResponse(html, status_code=status_code)


def see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


class ConsoleHeaders:
    """ASGI middleware: the console's security headers and queued cookies."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_console_path(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _HARDENING.items():
                    if name == "cache-control" and scope["path"].startswith("/static/"):
                        continue
                    headers[name] = value
                write_cookies(Request(scope), headers)
            await send(message)

        await self.app(scope, receive, with_headers)


def form_time(value: str | None, *, field: str) -> datetime | None:
    """A date and time typed in a form (ISO 8601); naive ones are taken as UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInputError(f"{field}: not a date and time: {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
