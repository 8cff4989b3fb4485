"""Cookies are Secure when the browser reached us over TLS: directly, or through a proxy
named in the settings that says so; never on a client's own say-so."""

from __future__ import annotations

from ipaddress import ip_network
from types import SimpleNamespace
from typing import Any

from fastapi import Request

from api.console.session import over_tls
from secops.settings import Settings


def _request(settings: Settings, *, peer: str, scheme: str = "http", proto: str = "") -> Request:
    app = SimpleNamespace(state=SimpleNamespace(context=SimpleNamespace(settings=settings)))
    headers = [(b"x-forwarded-proto", proto.encode())] if proto else []
    scope: dict[str, Any] = {
        "type": "http",
        "scheme": scheme,
        "method": "GET",
        "path": "/",
        "headers": headers,
        "client": (peer, 50000),
        "server": ("127.0.0.1", 8000),
        "app": app,
    }
    return Request(scope)


def test_secure_only_over_tls_or_from_a_trusted_tls_proxy(settings: Settings) -> None:
    proxied = settings.model_copy(update={"trusted_proxies": [ip_network("10.0.0.0/8")]})
    assert over_tls(_request(settings, peer="192.0.2.1", scheme="https"))
    assert not over_tls(_request(settings, peer="192.0.2.1"))
    assert over_tls(_request(proxied, peer="10.1.2.3", proto="https"))
    assert not over_tls(_request(proxied, peer="10.1.2.3", proto="http"))
    # Anyone else saying https is not believed.
    assert not over_tls(_request(proxied, peer="192.0.2.1", proto="https"))
    assert not over_tls(_request(settings, peer="10.1.2.3", proto="https"))
