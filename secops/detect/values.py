"""Reading values out of ECS events, as compiled accessors.

An accessor is built once per field and returns the field's values as a list:
scalars become a one-element list, list-valued fields are flattened, a missing
field or a null gives an empty list. A field mapped to several ECS paths gives
the values found at all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Event = dict[str, Any]
Getter = Callable[[Event], Any]
Fetch = Callable[[Event], list[Any]]

MISSING = object()


def to_text(value: Any) -> str:
    """The string form a value is compared in when a string is expected."""
    if type(value) is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def getter(path: str) -> Getter:
    """Value at a dotted path of nested dicts; a flat dotted key is tried as a fallback."""
    parts = tuple(path.split("."))
    if len(parts) == 1:
        key = parts[0]
        return lambda ev: ev.get(key, MISSING)
    if len(parts) == 2:
        a, b = parts

        def get2(ev: Event) -> Any:
            try:
                return ev[a][b]
            except (KeyError, TypeError, IndexError):
                return ev.get(path, MISSING)

        return get2
    if len(parts) == 3:
        a, b, c = parts

        def get3(ev: Event) -> Any:
            try:
                return ev[a][b][c]
            except (KeyError, TypeError, IndexError):
                return ev.get(path, MISSING)

        return get3

    def getn(ev: Event) -> Any:
        cur: Any = ev
        try:
            for part in parts:
                cur = cur[part]
        except (KeyError, TypeError, IndexError):
            return ev.get(path, MISSING)
        return cur

    return getn


def flatten_into(value: Any, out: list[Any]) -> None:
    """Append the scalars of a value (nested lists flattened; missing and null skipped)."""
    if value is MISSING or value is None:
        return
    if isinstance(value, list | tuple):
        for item in value:
            flatten_into(item, out)
    else:
        out.append(value)


def collector(paths: Sequence[str]) -> Fetch:
    """The values of all the paths in one list, as :func:`fetcher` gives each path's.

    Paths under one parent (``winlog.event_data.*``) are read from a single
    walk to the parent; where that walk fails, each path's own getter decides.
    """
    groups: dict[tuple[str, ...], list[tuple[str, str, Getter]]] = {}
    for path in paths:
        *parent, leaf = path.split(".")
        groups.setdefault(tuple(parent), []).append((leaf, path, getter(path)))
    plan = [(parent, tuple(leaves)) for parent, leaves in groups.items()]

    def collect(ev: Event) -> list[Any]:
        out: list[Any] = []
        for parent, leaves in plan:
            node: Any = ev
            try:
                for part in parent:
                    node = node[part]
            except (KeyError, TypeError, IndexError):
                node = None
            if type(node) is dict:
                for leaf, path, _ in leaves:
                    value = node.get(leaf, MISSING)
                    if value is MISSING:  # the getter's fallback: a flat dotted key
                        value = ev.get(path, MISSING)
                    if value is MISSING or value is None:
                        continue
                    if isinstance(value, list | tuple):
                        flatten_into(value, out)
                    else:
                        out.append(value)
            else:
                for _, _, get in leaves:
                    flatten_into(get(ev), out)
        return out

    return collect


def fetcher(paths: Sequence[str]) -> Fetch:
    """All values of a field that may live at several paths."""
    getters = [getter(p) for p in paths]
    if len(getters) == 1:
        get = getters[0]

        def fetch1(ev: Event) -> list[Any]:
            value = get(ev)
            if value is MISSING or value is None:
                return []
            if isinstance(value, list | tuple):
                out: list[Any] = []
                flatten_into(value, out)
                return out
            return [value]

        return fetch1

    def fetchn(ev: Event) -> list[Any]:
        out: list[Any] = []
        for get in getters:
            flatten_into(get(ev), out)
        return out

    return fetchn


def as_number(value: Any) -> float | None:
    """The value as a number, if it is one or is a string that reads as one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None
