"""Lockout counts per account-and-address and per address, behind trusted proxies too.

An attacker on one address can lock themselves out, not an administrator who logs in
from elsewhere. X-Forwarded-For is believed only from ``trusted_proxies``, and only its
rightmost entries: what the client wrote to its left is never taken as its address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import pytest
from auth.support import Account, enrolled
from fastapi.testclient import TestClient

from api.addresses import resolve
from api.app import create_app
from secops.context import Context
from secops.settings import Settings

PROXY = ("10.0.0.5", 4711)
ATTACKER, ADMIN = "198.51.100.66", "192.0.2.44"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"trusted_proxies": [ipaddress.ip_network("10.0.0.0/8")]})


@pytest.fixture
def behind_proxy(ctx: Context) -> Iterator[TestClient]:
    """The app as a reverse proxy at 10.0.0.5 reaches it."""
    with TestClient(create_app(ctx.settings, context=ctx), client=PROXY) as c:
        yield c


def _login(client: TestClient, acct: Account, forwarded: str, password: str | None = None) -> int:
    body = {"username": acct.username, "password": password or acct.password}
    if password is None:
        body["totp"] = acct.next_code()
    resp = client.post("/api/v1/auth/login", json=body, headers={"X-Forwarded-For": forwarded})
    return resp.status_code


def test_an_attacker_cannot_lock_the_administrator_out_from_elsewhere(
    ctx: Context, behind_proxy: TestClient
) -> None:
    root = enrolled(ctx, "root", ["admin"])
    threshold = ctx.settings.lockout_account_threshold
    # The attacker writes the administrator's address first; the proxy appends the real one.
    spoofed = f"{ADMIN}, {ATTACKER}"
    for _ in range(threshold):
        assert _login(behind_proxy, root, spoofed, password="guess guess guess") == 401
    assert _login(behind_proxy, root, ATTACKER) == 429  # even with the right password
    assert _login(behind_proxy, root, ADMIN) == 200
    # The audit trail names the address the proxy saw, not the one the client wrote.
    ctx.es.indices.refresh(index=ctx.names.audit)
    hits = ctx.es.search(
        index=ctx.names.audit,
        query={"term": {"action": "auth.login"}},
        size=100,
    )["hits"]["hits"]
    addresses = {h["_source"]["actor"]["address"] for h in hits}
    assert addresses == {ATTACKER, ADMIN}
    failures = [h for h in hits if h["_source"]["outcome"] == "failure"]
    assert {h["_source"]["actor"]["address"] for h in failures} == {ATTACKER}


def test_an_address_locks_across_names_but_only_itself(
    ctx: Context, behind_proxy: TestClient
) -> None:
    ctx.settings = ctx.settings.model_copy(update={"lockout_address_threshold": 3})
    root = enrolled(ctx, "root", ["admin"])
    for name in ("u1", "u2", "u3"):
        body = {"username": name, "password": "spraying the same one"}
        headers = {"X-Forwarded-For": ATTACKER}
        assert (
            behind_proxy.post("/api/v1/auth/login", json=body, headers=headers).status_code == 401
        )
    assert _login(behind_proxy, root, ATTACKER) == 429
    assert _login(behind_proxy, root, ADMIN) == 200


def test_without_trusted_proxies_the_header_is_ignored(ctx: Context) -> None:
    ctx.settings = ctx.settings.model_copy(update={"trusted_proxies": []})
    root = enrolled(ctx, "root", ["admin"])
    with TestClient(create_app(ctx.settings, context=ctx), client=PROXY) as client:
        for n in range(ctx.settings.lockout_account_threshold):
            assert _login(client, root, f"203.0.113.{n}", password="guess guess guess") == 401
        # Every attempt came from the peer, whatever the header said: the peer is locked.
        assert _login(client, root, ADMIN) == 429


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        ("10.0.0.5", ["192.0.2.1"], "192.0.2.1"),
        ("10.0.0.5", ["6.6.6.6, 192.0.2.1"], "192.0.2.1"),  # the left entry is the client's
        ("10.0.0.5", ["192.0.2.1, 10.1.2.3"], "192.0.2.1"),  # two trusted hops
        ("10.0.0.5", ["192.0.2.1", "10.1.2.3"], "192.0.2.1"),  # two header lines
        ("10.0.0.5", ["not-an-ip"], "10.0.0.5"),
        ("10.0.0.5", [], "10.0.0.5"),
        ("10.0.0.5", ["10.9.9.9"], "10.9.9.9"),  # only proxies: the farthest one
        ("198.51.100.7", ["192.0.2.1"], "198.51.100.7"),  # an untrusted peer's header
        ("2001:db8::1", ["192.0.2.1"], "2001:db8::1"),
    ],
)
def test_rightmost_untrusted_hop(peer: str, header: list[str], expected: str) -> None:
    assert resolve(peer, header, [ipaddress.ip_network("10.0.0.0/8")]) == expected
