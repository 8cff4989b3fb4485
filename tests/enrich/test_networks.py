"""Internal networks: RFC 1918, loopback, link-local, IPv6 ULA; everything else external."""

from __future__ import annotations

import pytest

from secops.enrich.networks import DEFAULT_INTERNAL, InternalNetworks


@pytest.mark.parametrize(
    ("address", "internal"),
    [
        ("10.1.2.3", True),
        ("172.31.255.1", True),
        ("172.32.0.1", False),
        ("192.168.10.20", True),
        ("127.0.0.1", True),
        ("169.254.1.1", True),
        ("::1", True),
        ("fd12:3456::1", True),
        ("fe80::1%eth0", True),
        ("::ffff:10.0.0.5", True),
        ("8.8.8.8", False),
        ("2001:db8::1", False),
        ("203.0.113.9", False),
        ("not-an-ip", None),
    ],
)
def test_default_networks(address: str, internal: bool | None) -> None:
    assert InternalNetworks(DEFAULT_INTERNAL).is_internal(address) is internal


def test_configured_networks_replace_the_defaults() -> None:
    nets = InternalNetworks(["198.51.100.0/24"])
    assert nets.is_internal("198.51.100.7") is True
    assert nets.is_internal("10.0.0.1") is False
