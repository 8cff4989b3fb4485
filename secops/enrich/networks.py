"""Which source addresses are the parliament's own (``SECOPS_INTERNAL_NETWORKS``)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from secops.settings import DEFAULT_INTERNAL_NETWORKS

# RFC 1918, loopback, link-local; IPv6 loopback, ULA, link-local.
DEFAULT_INTERNAL: tuple[str, ...] = DEFAULT_INTERNAL_NETWORKS

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class InternalNetworks:
    """Membership of an address in any of the networks; answers are cached per address."""

    def __init__(self, networks: Iterable[Network | str]) -> None:
        nets = [ipaddress.ip_network(n) if isinstance(n, str) else n for n in networks]
        self.v4 = tuple(n for n in nets if n.version == 4)
        self.v6 = tuple(n for n in nets if n.version == 6)
        self.is_internal = lru_cache(maxsize=65536)(self._is_internal)

    def _is_internal(self, address: str) -> bool | None:
        """True/False for an address, None when the text is not one."""
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return None
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        nets = self.v4 if ip.version == 4 else self.v6
        return any(ip in net for net in nets)
