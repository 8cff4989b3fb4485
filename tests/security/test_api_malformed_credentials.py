"""Malformed credentials are refused (401/403/422), never answered with a 5xx.

A 500 after a correct password but a strange code would tell an attacker the password
was right; a 500 or 502 on a strange token tells them where the parser breaks.
Random values, seeded, go into every place a credential is read.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from auth.support import bearer, enrolled, session
from fastapi.testclient import TestClient

from api.app import create_app
from secops.auth import sessions, users
from secops.context import Context
from secops.settings import Settings

REFUSED = {401, 403, 422}
SEED = 20261130


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Every refusal here counts towards the lockout; keep the lockout out of the answers.
    return settings.model_copy(
        update={"lockout_account_threshold": 10_000, "lockout_address_threshold": 10_000}
    )


def _texts(rng: random.Random) -> Iterator[str]:
    """Strings a parser might choke on: controls, lone surrogates, other scripts' digits,
    huge ones, and bytes that are not UTF-8 read as Latin-1."""
    yield "١٢٣٤٥٦"  # Arabic-Indic digits: \d matches them, ASCII arithmetic does not
    yield "\uff11\uff12\uff13\uff14\uff15\uff16"  # fullwidth digits
    yield "\ud800\udfff\ud83d"  # lone surrogates (JSON escapes allow them)
    yield "\x00\x01\x1b[2J\r\n\t"
    yield "A" * 100_000
    yield "😀" * 128  # 512 bytes of UTF-8 from 128 characters
    yield "sk_" + "é" * 20 + "_" + "x" * 40
    yield "rt_" + "../" * 200 + "_x"
    yield "a.b"
    for _ in range(6):
        raw = bytes(rng.randrange(256) for _ in range(rng.choice((1, 7, 64, 700))))
        yield raw.decode("latin-1")
        yield "".join(chr(rng.randrange(0x110000)) for _ in range(rng.choice((6, 40))))


def _header_values(rng: random.Random) -> Iterator[bytes]:
    for text in _texts(rng):
        yield text.encode("utf-8", "surrogatepass")[:8000]
    yield b"eyJ0eXAiOiJhY2Nlc3MifQ.\xe9\xff\x00mac"  # a token whose MAC part is not ASCII
    for _ in range(10):
        yield bytes(rng.randrange(256) for _ in range(rng.choice((6, 64, 700))))


def _post_json(client: TestClient, path: str, body: dict[str, object], **kw: object) -> int:
    # json.dumps escapes lone surrogates (\ud800), which the server's JSON decoder accepts.
    content = json.dumps(body).encode()
    headers = {"content-type": "application/json", **kw.pop("headers", {})}  # type: ignore[dict-item]
    return client.post(path, content=content, headers=headers).status_code


def test_a_unicode_digit_code_after_the_right_password_is_422(
    ctx: Context, client: TestClient
) -> None:
    acct = enrolled(ctx, "wendy", ["admin"])
    for code in ("١٢٣٤٥٦", "۱۲۳۴۵۶", "\uff11\uff12\uff13\uff14\uff15\uff16"):
        resp = client.post(
            "/api/v1/auth/login",
            json={"username": "wendy", "password": acct.password, "totp": code},
        )
        assert resp.status_code == 422, resp.text
        assert "totp" in resp.text


def test_random_values_in_every_credential_place_are_refused(ctx: Context) -> None:
    # A crash must show as the 500 a caller would see, not as an exception in the test.
    app = create_app(ctx.settings, context=ctx)
    with TestClient(app, raise_server_exceptions=False) as client:
        answers = _try_everything(ctx, client)
    wrong = [a for a in answers if a[2] not in REFUSED]
    assert not wrong, wrong
    assert len(answers) > 250


def _try_everything(ctx: Context, client: TestClient) -> list[tuple[str, str, int]]:
    rng = random.Random(SEED)
    acct = enrolled(ctx, "victor", ["soc_operator"])
    live = bearer(session(ctx, "victor").access_token)
    enrol_only = enrolled_token(ctx)
    answers: list[tuple[str, str, int]] = []

    def seen(place: str, value: object, status: int) -> None:
        answers.append((place, repr(value)[:60], status))

    for text in _texts(rng):
        for field in ("username", "password", "totp", "recovery_code"):
            body: dict[str, object] = {"username": "victor", "password": acct.password}
            body[field] = text
            seen(f"login.{field}", text, _post_json(client, "/api/v1/auth/login", body))
        seen(
            "refresh",
            text,
            _post_json(client, "/api/v1/auth/refresh", {"refresh_token": text}),
        )
        seen(
            "step-up",
            text,
            _post_json(client, "/api/v1/auth/step-up", {"code": text}, headers=live),
        )
        seen(
            "mfa.confirm",
            text,
            _post_json(client, "/api/v1/auth/mfa/confirm", {"code": text}, headers=enrol_only),
        )
        change = {"current_password": text, "code": text, "new_password": text}
        seen("password", text, _post_json(client, "/api/v1/auth/password", change, headers=live))
    for raw in _header_values(rng):
        for name, prefix in (
            ("authorization", b"Bearer "),
            ("authorization", b"ApiKey "),
            ("authorization", b""),
            ("x-api-key", b""),
        ):
            headers = [(name.encode(), prefix + raw)]
            status = client.get("/api/v1/auth/me", headers=headers).status_code
            seen(f"{name} {prefix!r}", raw, status)
    for raw in (b'{"username": "\xff\xfe", "password": "x"}', b"\xc3\x28" * 1000, b"{" * 5000):
        status = client.post(
            "/api/v1/auth/login", content=raw, headers={"content-type": "application/json"}
        ).status_code
        seen("login body", raw, status)
    return answers


def enrolled_token(ctx: Context) -> dict[str, str]:
    """Headers with the token of an account that proved its password but has no MFA yet."""
    users.create_user(
        ctx, username="newbie", display_name="Newbie", roles=["auditor"], actor="system:test"
    )
    found = users.get_user(ctx, "newbie")
    assert found is not None
    return bearer(sessions.enrolment_token(ctx, user=found[0], now=datetime.now(UTC)))
