"""Accessors: the collector of many paths reads what the per-path fetchers read."""

from __future__ import annotations

from typing import Any

import pytest

from secops.detect.values import collector, fetcher

PATHS = [
    "winlog.event_data.Image",
    "winlog.event_data.CommandLine",
    "winlog.event_data.Hashes",
    "winlog.channel",
    "message",
    "a.b.c.d",
]

EVENTS: list[dict[str, Any]] = [
    {},
    {"message": "m", "winlog": {"channel": "Security", "event_data": {"Image": "x.exe"}}},
    {"winlog": {"event_data": {"Image": None, "CommandLine": ["a", ["b", None]], "Hashes": 3}}},
    {"winlog": {"event_data": ["not", "a", "dict"]}, "winlog.event_data.Image": "flat"},
    {"winlog": {"event_data": {}}, "winlog.event_data.CommandLine": "flat only"},
    {"winlog": "text", "a": {"b": {"c": {"d": True}}}, "a.b.c.d": "shadowed"},
    {"a": {"b": [{"c": 1}]}, "a.b.c.d": "fallback"},
]


@pytest.mark.parametrize("event", EVENTS)
def test_collector_gives_the_values_of_each_path_in_turn(event: dict[str, Any]) -> None:
    want = sorted(map(repr, (v for p in PATHS for v in fetcher([p])(event))))
    assert sorted(map(repr, collector(PATHS)(event))) == want
