"""Shared vocabulary of the parsers: the event dict, the parser signatures, small helpers.

A parser receives the text (or the structured object) and an event that already
holds the common fields (``@timestamp`` = received time, ``event.original``,
``secops.source``, ``host.name`` from the source). It fills what it understands
and returns True; it returns False when the input is not its format, leaving the
event as it found it wherever that matters to the caller.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from secops.records import RawRecord

Event = dict[str, Any]
TextParser = Callable[[str, Event, RawRecord], bool]
StructParser = Callable[[dict[str, Any], Event, RawRecord], bool]


@dataclass(frozen=True, slots=True)
class Parser:
    """One entry of the closed parser registry."""

    dataset: str
    text: TextParser | None = None
    structured: StructParser | None = None


_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_IPV6 = re.compile(r"^[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*$")
# key=value pairs; a value is double-quoted, single-quoted or runs to the next space
_KV = re.compile(r"""([\w.-]+)=("[^"]*"|'[^']*'|\S*)""")


def is_ip(value: str) -> bool:
    """True for a literal IPv4/IPv6 address (cheap syntactic check)."""
    return bool(_IPV4.match(value) or (":" in value and _IPV6.match(value)))


def to_int(value: Any) -> int | None:
    """An int from a decimal (or 0x-prefixed hex) string; None when it is not one."""
    if isinstance(value, int):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        if value[:2] in ("0x", "0X"):
            return int(value, 16)
        return int(value)
    except ValueError:
        return None


def parse_kv(text: str) -> dict[str, str]:
    """Parse ``k=v k2="v 2" k3='v3'`` into a dict (quotes stripped, last key wins)."""
    out: dict[str, str] = {}
    for key, value in _KV.findall(text):
        if value[:1] in ('"', "'") and len(value) >= 2 and value[-1] == value[0]:
            value = value[1:-1]
        out[key] = value
    return out


def sub(event: Event, key: str) -> dict[str, Any]:
    """The nested object ``event[key]``, created when missing."""
    node = event.get(key)
    if node is None:
        node = event[key] = {}
    return node


def set_source_addr(event: Event, addr: str | None, port: str | int | None = None) -> None:
    """Set ``source.ip`` (or ``source.domain`` for a name) and ``related.ip``."""
    if not addr or addr in ("-", "?"):
        return
    src = sub(event, "source")
    if is_ip(addr):
        src["ip"] = addr
        add_related(event, "ip", addr)
    else:
        src["domain"] = addr
        add_related(event, "hosts", addr)
    p = to_int(port)
    if p is not None:
        src["port"] = p


def add_related(event: Event, kind: str, value: str | None) -> None:
    """Append ``value`` to ``related.<kind>`` once."""
    if not value or value in ("-", "?"):
        return
    rel = sub(event, "related")
    values = rel.get(kind)
    if values is None:
        rel[kind] = [value]
    elif value not in values:
        values.append(value)


def set_user(event: Event, name: str | None) -> None:
    """Set ``user.name`` and ``related.user``; ignores empty and placeholder names."""
    if not name or name in ("-", "?", "(unknown)"):
        return
    sub(event, "user")["name"] = name
    add_related(event, "user", name)


def classify(
    event: Event,
    category: list[str],
    type_: list[str],
    action: str | None = None,
    outcome: str | None = None,
) -> None:
    """Set the ECS categorisation fields of ``event.*``."""
    ev = event["event"]
    ev["category"] = category
    ev["type"] = type_
    if action is not None:
        ev["action"] = action
    if outcome is not None:
        ev["outcome"] = outcome


def basename(path: str) -> str:
    """The last component of a POSIX or Windows path."""
    cut = max(path.rfind("/"), path.rfind("\\"))
    return path[cut + 1 :] if cut >= 0 else path
