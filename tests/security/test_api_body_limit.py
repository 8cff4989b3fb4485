"""Bodies are capped before parsing, on every route, for anonymous callers too.

The app is driven as a server drives it (ASGI), with a body that a generator makes up
as it is read: the test counts how much of it the app asked for. A multi-gigabyte
login must be refused with 413 after at most the cap, not buffered.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from secops.auth import apikeys
from secops.context import Context
from secops.records import RawRecord

CHUNK = 64 * 1024


def _stream(total: int) -> Iterator[bytes]:
    """``total`` bytes of a JSON-looking body, made up chunk by chunk as it is read."""
    yield b'{"username": "root", "password": "'
    for _ in range(total // CHUNK):
        yield b"A" * CHUNK


class Driven:
    """One request driven through the app: its status, body, and how much was read."""

    def __init__(self) -> None:
        self.read = 0
        self.status: int | None = None
        self.body = b""


def _drive(
    app: Any, path: str, chunks: Iterator[bytes], headers: list[tuple[bytes, bytes]]
) -> Driven:
    driven = Driven()

    async def receive() -> dict[str, Any]:
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        driven.read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            driven.status = message["status"]
        elif message["type"] == "http.response.body":
            driven.body += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("198.51.100.9", 50000),
        "server": ("testserver", 80),
    }
    anyio.run(app, scope, receive, send)
    return driven


@pytest.fixture
def app(ctx: Context) -> Iterator[Any]:
    application = create_app(ctx.settings, context=ctx)
    with TestClient(application):  # runs the lifespan, which attaches the context
        yield application


JSON = [(b"content-type", b"application/json")]


def test_a_streamed_login_of_many_megabytes_is_refused_unread(ctx: Context, app: Any) -> None:
    cap = ctx.settings.api_max_body_bytes
    assert cap == 1 << 20  # the default
    total = 64 << 20
    driven = _drive(app, "/api/v1/auth/login", _stream(total), JSON)
    assert driven.status == 413, driven.body
    assert b"exceeds 1048576 bytes" in driven.body
    assert driven.read <= cap + CHUNK  # refused at the first chunk past the cap
    assert driven.read < total // 32


def test_a_declared_multi_gigabyte_body_is_refused_before_any_read(app: Any) -> None:
    headers = [*JSON, (b"content-length", str(4 << 30).encode())]
    driven = _drive(app, "/api/v1/auth/login", _stream(4 << 30), headers)
    assert driven.status == 413
    assert driven.read == 0


def test_every_route_has_the_cap(ctx: Context, app: Any) -> None:
    for path in ("/api/v1/alerts/bulk", "/api/v1/auth/refresh", "/api/v1/users"):
        driven = _drive(app, path, _stream(8 << 20), JSON)
        assert driven.status == 413, (path, driven.status)
        assert driven.read <= ctx.settings.api_max_body_bytes + CHUNK
    # A path no route serves answers without reading anything.
    driven = _drive(app, "/api/v1/no-such-route", _stream(8 << 20), JSON)
    assert (driven.status, driven.read) == (404, 0)


def test_the_ingest_route_keeps_its_larger_cap(ctx: Context, app: Any) -> None:
    key = apikeys.create(ctx, name="dms", roles=["ingest"], actor="system:test").key
    headers = [(b"content-type", b"application/x-ndjson"), (b"x-api-key", key.encode())]
    line = b'{"event": {"action": "login"}}\n'
    three_mib = iter([line * (CHUNK // len(line))] * 48)
    kept: list[RawRecord] = []
    app.state.sink = SimpleNamespace(append=kept.extend)  # the spool, in memory
    driven = _drive(app, "/api/v1/ingest", three_mib, headers)
    # Read whole: over the general cap, under ingest's.
    assert driven.status == 200, driven.body
    assert driven.read > ctx.settings.api_max_body_bytes
    assert len(kept) == driven.read // len(line)
    cap = ctx.settings.ingest_max_body_bytes
    driven = _drive(app, "/api/v1/ingest", _stream(4 * cap), headers)
    assert driven.status == 413
    assert driven.read <= cap + CHUNK
