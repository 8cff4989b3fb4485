"""The client's address: the TCP peer, or what a trusted proxy says in X-Forwarded-For.

``X-Forwarded-For`` is read only when the peer is one of ``settings.trusted_proxies``
(CIDRs; none by default), and then from the right: each proxy appends the address it
saw, so the first entry from the right that is not a trusted proxy is the client.
Entries further left were written by the client itself and are never believed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from starlette.types import Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    ip = _ip(address)
    return ip is not None and any(ip in net for net in proxies)


def resolve(
    peer: str | None, forwarded_for: Iterable[str], proxies: Sequence[Network]
) -> str | None:
    """The client's address given the TCP ``peer``, the X-Forwarded-For header values (in
    order) and the trusted proxies' networks."""
    if peer is None or not proxies:
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    current = peer
    for hop in reversed(hops):
        if not _trusted(current, proxies):
            return current
        ip = _ip(hop)
        if ip is None:  # not an address: the trusted hop before it is all we know
            return current
        current = str(ip)
    return current


def scope_address(scope: Scope) -> str | None:
    """The client's address of an HTTP request (ASGI scope), by the app's settings."""
    client = scope.get("client")
    peer = client[0] if client else None
    app = scope.get("app")
    context = getattr(getattr(app, "state", None), "context", None)
    proxies: Sequence[Network] = context.settings.trusted_proxies if context else ()
    if not proxies:
        return peer
    forwarded = [
        value.decode("latin-1")
        for name, value in scope.get("headers", ())
        if name.lower() == b"x-forwarded-for"
    ]
    return resolve(peer, forwarded, proxies)
