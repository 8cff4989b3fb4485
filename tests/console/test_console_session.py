"""The console's session: the API's login behind cookies, CSRF on every change, CSP."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.console.web import CSP
from secops.context import Context

from .people import csrf_of, enrolled, log_in


def test_login_gives_strict_cookies_and_the_overview(ctx: Context, client: TestClient) -> None:
    ann = enrolled(ctx, "ann", "soc_operator")
    assert client.get("/", follow_redirects=False).headers["location"] == "/login?next=%2F"
    csrf = csrf_of(client)
    answer = client.post(
        "/login",
        data={"csrf": csrf, "username": "ann", "password": ann.password, "totp": ann.code()},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    cookies = answer.headers.get_list("set-cookie")
    access = next(c for c in cookies if c.startswith("secops_access="))
    assert "HttpOnly" in access
    assert "SameSite=Strict" in access
    assert "Secure" not in access  # plain HTTP, no trusted proxy
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CSP
    assert "unsafe-inline" not in CSP
    assert "<script>" not in page.text
    assert "style=" not in page.text


def test_wrong_code_is_refused_on_the_page(ctx: Context, client: TestClient) -> None:
    ann = enrolled(ctx, "ann", "soc_operator")
    answer = client.post(
        "/login",
        data={
            "csrf": csrf_of(client),
            "username": "ann",
            "password": ann.password,
            "totp": "000000",
        },
    )
    assert answer.status_code == 401
    assert 'role="alert"' in answer.text
    assert "secops_access" not in client.cookies


def test_a_change_without_the_csrf_token_is_refused(ctx: Context, client: TestClient) -> None:
    ann = enrolled(ctx, "ann", "soc_operator")
    log_in(client, ann)
    answer = client.post("/logout", data={}, follow_redirects=False)
    assert answer.status_code == 403
    assert "security token" in answer.text
    wrong = client.post("/logout", data={"csrf": "x" * 43}, follow_redirects=False)
    assert wrong.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still logged in
    ok = client.post("/logout", data={"csrf": csrf_of(client)}, follow_redirects=False)
    assert ok.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_cookies_are_secure_when_served_over_tls(ctx: Context) -> None:
    from api.app import create_app

    with TestClient(create_app(ctx.settings, context=ctx), base_url="https://testserver") as tls:
        page = tls.get("/login")
        assert any("Secure" in c for c in page.headers.get_list("set-cookie"))


def test_an_expired_access_token_is_renewed_once_for_concurrent_requests(
    ctx: Context, client: TestClient
) -> None:
    """A page and its polling may present the same refresh token together: both get the
    one new pair (presenting a used refresh token would end the session)."""
    from datetime import UTC, datetime, timedelta

    from .people import session_at

    enrolled(ctx, "ann", "soc_operator")
    session_at(client, ctx, "ann", datetime.now(UTC) - timedelta(minutes=20))
    twin = TestClient(client.app)
    for name in ("secops_access", "secops_refresh"):
        twin.cookies.set(name, client.cookies[name], domain="testserver.local")
    first = client.get("/", follow_redirects=False)
    second = twin.get("/", follow_redirects=False)
    assert (first.status_code, second.status_code) == (200, 200)
    assert client.cookies["secops_refresh"] == twin.cookies["secops_refresh"]
    assert client.get("/", follow_redirects=False).status_code == 200  # the session lives on
