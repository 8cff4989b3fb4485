"""The one place where errors become HTTP answers. Every answer says what went wrong."""

from __future__ import annotations

import json
import logging
from typing import Any

from elasticsearch import ApiError
from elasticsearch import ConnectionError as ESConnectionError
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from secops.errors import (
    AuthError,
    ConfigError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    SecopsError,
    SpoolFullError,
    StoreError,
    UnavailableError,
)

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    """The body of every error answer: the error's name and what went wrong."""

    error: str
    detail: str


_STATUS: list[tuple[type[SecopsError], int]] = [
    (AuthError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (InvalidInputError, 422),
    (RateLimitedError, 429),
    (SpoolFullError, 503),
    (UnavailableError, 503),
    (StoreError, 502),
    (ConfigError, 500),
]
# What a caller reads instead of the text of a server-side failure, which may name
# indices, files or the store's internals; the log keeps the text.
_SERVER_SIDE = {
    502: "the store refused the request",
    500: "the server failed to handle the request",
}


def status_for(exc: SecopsError) -> int:
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 500


class _AsciiJSONResponse(JSONResponse):
    """JSON escaped to ASCII: a lone surrogate a client sent cannot break the encoding."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode()


def _without_input(error: dict[str, Any]) -> dict[str, Any]:
    # The rejected value is not echoed: it may be a password, and it may not be encodable.
    return {k: v for k, v in error.items() if k != "input"}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_without_input(e) for e in exc.errors()]
        return _AsciiJSONResponse(status_code=422, content={"detail": jsonable_encoder(errors)})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        # FastAPI answers a body it cannot decode with a bare 400; say what is wrong with it.
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
            body = {"error": "InvalidInputError", "detail": "the body is not valid UTF-8"}
            return JSONResponse(status_code=422, content=body)
        return await http_exception_handler(request, exc)

    @app.exception_handler(SecopsError)
    async def _secops_error(request: Request, exc: SecopsError) -> JSONResponse:
        status = status_for(exc)
        headers: dict[str, str] = {}
        if isinstance(exc, RateLimitedError | UnavailableError):
            headers["Retry-After"] = str(max(1, round(exc.retry_after)))
        if isinstance(exc, AuthError):
            headers["WWW-Authenticate"] = "Bearer"
        detail = exc.message
        if status >= 500:
            log.error("%s %s failed: %s", request.method, request.url.path, exc)
            detail = _SERVER_SIDE.get(status, detail)  # 503s say when to come back
        body: dict[str, Any] = {"error": type(exc).__name__, "detail": detail}
        rows = getattr(exc, "rows", None)  # each rejected row of an import, FILE:LINE: reason
        if status == 422 and isinstance(rows, list):
            body["rows"] = rows
        return JSONResponse(status_code=status, content=body, headers=headers)

    @app.exception_handler(ESConnectionError)
    async def _es_down(request: Request, exc: ESConnectionError) -> JSONResponse:
        return JSONResponse(
            status_code=503,
            content={"error": "StoreUnavailable", "detail": "Elasticsearch does not answer"},
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(ApiError)
    async def _es_error(request: Request, exc: ApiError) -> JSONResponse:
        # The store's own message (index names, query internals) stays in the log.
        log.error("%s %s: Elasticsearch refused: %s", request.method, request.url.path, exc)
        return JSONResponse(
            status_code=502,
            content={"error": "StoreError", "detail": "the store refused the request"},
        )
