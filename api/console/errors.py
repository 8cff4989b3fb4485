"""Errors on console pages: an HTML page that says what went wrong, in the page's language.

A request without a live session is sent to the login page (htmx requests by the
``HX-Redirect`` header); a login that must still enrol MFA or change its password is
sent to that step. Every other error keeps the status the API gives it. API paths
keep the API's JSON answers (``api.errors``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response

from api.console.session import LoginRequiredError, LoginStepRequiredError, StepUpRequiredError
from api.console.web import is_console_path, render, see_other
from api.errors import status_for
from secops.errors import SecopsError

Handler = Callable[[Request, Exception], Awaitable[Response]]
_STEP_PAGES = {"mfa_enrollment": "/mfa", "password_change": "/password"}


def _redirect(request: Request, url: str) -> Response:
    if request.headers.get("hx-request"):
        return Response(status_code=401, headers={"HX-Redirect": url})
    return see_other(url)


def _back_path(request: Request) -> str:
    """Where a step-up returns: the page the form was on (same origin only)."""
    referer = request.headers.get("referer", "")
    origin = f"{request.url.scheme}://{request.url.netloc}"
    if referer.startswith(origin + "/"):
        return referer[len(origin) :]
    return "/"


def _error_page(request: Request, status: int, message: str, *, step_up: bool = False) -> Response:
    principal = getattr(request.state, "principal", None)
    if principal is not None and principal.kind == "anonymous":
        principal = None
    fragment = bool(request.headers.get("hx-request"))
    template = "error_fragment.html" if fragment else "error.html"
    return render(
        request,
        template,
        principal=principal,
        status=status,
        message=message,
        step_up=step_up,
        back=_back_path(request),
        status_code=status,
    )


def install_console_errors(app: FastAPI) -> None:
    api_secops: Handler = app.exception_handlers[SecopsError]  # type: ignore[assignment]
    api_invalid: Handler = app.exception_handlers[RequestValidationError]  # type: ignore[assignment]

    async def secops_error(request: Request, exc: Exception) -> Response:
        if not is_console_path(request.url.path) or not isinstance(exc, SecopsError):
            return await api_secops(request, exc)
        if isinstance(exc, LoginRequiredError):
            target = request.url.path
            if request.url.query:
                target += "?" + request.url.query
            return _redirect(request, "/login?next=" + quote(target, safe=""))
        if isinstance(exc, LoginStepRequiredError):
            return _redirect(request, _STEP_PAGES.get(exc.scope, "/login"))
        if isinstance(exc, StepUpRequiredError):
            return _error_page(request, 403, exc.message, step_up=True)
        status = status_for(exc)
        message = exc.message if status < 500 else "the server failed to handle the request"
        return _error_page(request, status, message)

    async def invalid(request: Request, exc: Exception) -> Response:
        if not is_console_path(request.url.path) or not isinstance(exc, RequestValidationError):
            return await api_invalid(request, exc)
        parts = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query"))
            parts.append(f"{where}: {error['msg']}")
        return _error_page(request, 422, "; ".join(parts))

    app.add_exception_handler(SecopsError, secops_error)
    app.add_exception_handler(RequestValidationError, invalid)
