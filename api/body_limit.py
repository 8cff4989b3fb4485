"""Request bodies are capped before anything reads them, on every route.

A body declared longer than the cap (``Content-Length``) is refused with 413 at once,
without calling the app, so nothing of it is read. A body of unknown length (chunked)
is counted as the app reads it; the read that passes the cap ends the request with
413, so at most one chunk beyond the cap is ever held. The cap is
``settings.api_max_body_bytes``, or for a path of ``PATH_LIMITS`` the setting it names
(the ingest route takes larger batches).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import payload_too_large

# Paths with a cap of their own: path -> name of the setting holding it.
PATH_LIMITS: dict[str, str] = {"/api/v1/ingest": "ingest_max_body_bytes"}


class _BodyTooLargeError(Exception):
    """Raised into the app from ``receive`` once the body passed the cap."""


def _limit(scope: Scope) -> int:
    settings = scope["app"].state.context.settings
    return int(getattr(settings, PATH_LIMITS.get(scope["path"], "api_max_body_bytes")))


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length" and value.strip().isdigit():
            return int(value)
    return None


class BodyLimitMiddleware:
    """ASGI middleware answering 413 to bodies longer than the path's cap."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = _limit(scope)
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await payload_too_large(limit)(scope, receive, send)
            return
        received = 0
        exceeded = started = False

        async def counted() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLargeError
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # whatever the app makes of the interrupted read, the answer is 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await payload_too_large(limit)(scope, receive, send)
