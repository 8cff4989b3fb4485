"""POST /api/v1/ingest: systems push events with an API key of the ``ingest`` role."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.deps import Ctx
from api.errors import TOO_LARGE, answers, payload_too_large
from api.security import require
from collectors.http import FORMAT_PATTERN, IngestResult, IngestStream, batch_id, media_type
from collectors.ratelimit import RateLimiter
from secops.auth.principals import Principal, Role
from secops.context import Context
from secops.errors import (
    AuthError,
    InvalidInputError,
    RateLimitedError,
    SpoolFullError,
    UnavailableError,
)
from secops.records import Source
from secops.spool import RecordSink

router = APIRouter(tags=["ingest"])


# API keys of the ingest role (secops.auth.apikeys); the bootstrap keys of
# settings.ingest_api_keys are accepted too, as ingest-only keys.
ingest_api_key = require(Role.ingest)

# Body bytes handed to the parser at a time (one worker-thread hop each).
FEED_BYTES = 256 * 1024


def _limiter(request: Request, ctx: Context) -> RateLimiter:
    limiter: RateLimiter | None = getattr(request.app.state, "ingest_limiter", None)
    if limiter is None:
        s = ctx.settings
        limiter = RateLimiter(s.ingest_rate_per_second, s.ingest_burst)
        request.app.state.ingest_limiter = limiter
    return limiter


async def _stream_body(request: Request, stream: IngestStream, limit: int) -> bool:
    """Feed the body to ``stream`` as it arrives; False when it is longer than ``limit``.

    A body of declared length (within the limit) is parsed while it streams in. A
    chunked body is held (at most ``limit`` bytes) until it ends, so that one over
    the limit is refused whole, before any of its records is stored.
    """
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return False
    streaming = bool(declared and declared.isdigit())
    held = bytearray()
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            return False
        held += chunk
        if streaming and len(held) >= FEED_BYTES:
            await run_in_threadpool(stream.feed, bytes(held))
            held.clear()
    if held:
        await run_in_threadpool(stream.feed, bytes(held))
    return True


# The route reads the raw body itself (a size limit while streaming, three formats),
# so its request body is declared here rather than by a model.
_BODY = {
    "required": True,
    "content": {
        "application/x-ndjson": {
            "schema": {"type": "string"},
            "example": '{"event": {"action": "login"}, "user": {"name": "jdoe"}}\n',
        },
        "application/json": {
            "schema": {
                "oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}]
            },
            "example": [{"event": {"action": "login"}, "user": {"name": "jdoe"}}],
        },
        "text/plain": {
            "schema": {"type": "string"},
            "example": "Mar  1 10:00:00 srv1 sshd[42]: Failed password for root from 10.0.0.9\n",
        },
    },
}


@router.post(
    "/ingest",
    summary="Push events: NDJSON, a JSON array, or text lines",
    response_model=IngestResult,
    openapi_extra={"requestBody": _BODY},
    responses={
        **answers(
            (AuthError, "No API key, or an invalid one"),
            (InvalidInputError, "Unsupported Content-Type or a body that is not JSON"),
            (RateLimitedError, "The key's rate is exceeded; see Retry-After"),
            (SpoolFullError, "The spool is full; see Retry-After"),
        ),
        **TOO_LARGE,
    },
)
async def post_ingest(
    request: Request,
    principal: Annotated[Principal, Depends(ingest_api_key)],
    ctx: Ctx,
    format_hint: Annotated[
        str | None,
        Query(
            alias="format",
            pattern=FORMAT_PATTERN,
            description="Parser hint for the records, e.g. sshd, nginx.access",
        ),
    ] = None,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> IngestResult | JSONResponse:
    wait = _limiter(request, ctx).take(principal.id)
    if wait:
        raise RateLimitedError("ingest rate exceeded for this API key", retry_after=wait)
    sink: RecordSink | None = getattr(request.app.state, "sink", None)
    if sink is None:  # an app started without the pipeline (not by `secops up`)
        raise UnavailableError("this process does not receive events: no spool attached")
    settings = ctx.settings
    limit = settings.ingest_max_body_bytes
    stream = IngestStream(
        sink=sink,
        media=media_type(request.headers.get("content-type")),
        format_hint=format_hint,
        source=Source(input="http", address=principal.address, application=principal.name),
        batch=batch_id(idempotency_key),
        received_at=time.time(),
        max_record_bytes=settings.max_record_bytes,
        max_json_bytes=limit,
    )
    if not await _stream_body(request, stream, limit):
        return payload_too_large(limit)
    return await run_in_threadpool(stream.close)
