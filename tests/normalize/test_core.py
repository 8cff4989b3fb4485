"""normalize(): common fields, unparsed records, parser failures, hints."""

from __future__ import annotations

import re

import pytest

from secops.normalize import normalize, registry
from secops.records import RawRecord

from .records import record

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_every_event_has_the_common_fields() -> None:
    ev = normalize(record("Feb 21 21:54:44 web1 sshd[3402]: Invalid user x from 10.0.0.1"))
    assert ISO_MS.match(ev["@timestamp"])
    assert ev["event"]["original"].startswith("Feb 21")
    assert ev["event"]["kind"] == "event"
    assert isinstance(ev["event"]["category"], list)
    assert isinstance(ev["event"]["type"], list)
    assert ev["secops"]["source"] == {
        "input": "file",
        "host": "collector-host",
        "address": "10.9.9.9",
    }
    assert ev["host"]["name"] == "web1"
    assert "ingested" not in ev["event"]


@pytest.mark.parametrize("text", ["garbage", "", "{not json", '{"foo": 1}', "12345", "<x>"])
def test_unknown_input_becomes_unparsed(text: str) -> None:
    ev = normalize(record(text))
    assert ev["event"]["dataset"] == "unparsed"
    assert ev["tags"] == ["unparsed"]
    assert ev["message"] == text
    assert ev["event"]["original"] == text
    assert ev["@timestamp"] == "2026-01-01T00:00:00.000Z"
    assert ev["secops"]["source"]["input"] == "file"
    assert "error" not in ev


def test_unknown_structured_record_keeps_compact_json() -> None:
    ev = normalize(record(structured={"a": 1, "b": [1, 2]}))
    assert ev["event"]["dataset"] == "unparsed"
    assert ev["event"]["original"] == '{"a":1,"b":[1,2]}'


def test_a_parser_that_raises_gives_unparsed_with_the_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def boom(text: str, event: dict[str, object], rec: RawRecord) -> bool:
        raise RuntimeError("parser bug")

    monkeypatch.setitem(registry.PROGRAMS, "sshd", registry.Parser("linux.sshd", boom))
    ev = normalize(record("Feb 21 21:54:44 web1 sshd[3402]: Accepted password for a"))
    assert ev["event"]["dataset"] == "unparsed"
    assert ev["tags"] == ["unparsed"]
    assert "parser bug" in ev["error"]["message"]
    assert ev["event"]["original"].endswith("Accepted password for a")


def test_invalid_date_degrades_only_the_timestamp() -> None:
    ev = normalize(record("Feb 31 25:61:00 web1 sshd[1]: Invalid user x from 10.0.0.1"))
    assert ev["event"]["dataset"] == "linux.sshd"
    assert ev["tags"] == ["timestamp_invalid"]
    assert "Feb 31 25:61:00" in ev["error"]["message"]
    assert ev["@timestamp"] == "2026-01-01T00:00:00.000Z"  # the received time
    assert ev["user"]["name"] == "x"
    assert ev["source"]["ip"] == "10.0.0.1"


def test_format_hint_selects_the_parser() -> None:
    line = '1.2.3.4 - - [25/Oct/2016:14:49:33 +0200] "GET / HTTP/1.1" 200 612 "-" "curl"'
    assert normalize(record(line))["event"]["dataset"] == "nginx.access"
    assert normalize(record(line, hint="apache.access"))["event"]["dataset"] == "apache.access"


def test_a_wrong_hint_falls_back_to_detection() -> None:
    ev = normalize(record("Feb 21 21:54:44 web1 sshd[1]: Invalid user x from 10.0.0.1", hint="cef"))
    assert ev["event"]["dataset"] == "linux.sshd"


def test_registry_is_closed_and_named_by_dataset() -> None:
    for name in ("linux.sshd", "linux.auditd", "windows", "cef", "parliament.dms",
                 "parliament.portal", "postgresql", "nginx.access", "apache.error"):  # fmt: skip
        assert registry.PARSERS[name].dataset == name
    assert normalize(record("x", hint="secops.normalize.cef"))["event"]["dataset"] == "unparsed"


def test_trailing_newline_is_not_part_of_the_message() -> None:
    ev = normalize(record("Feb 21 21:54:44 web1 sshd[1]: Invalid user x from 10.0.0.1\n"))
    assert ev["message"] == "Invalid user x from 10.0.0.1"
    assert ev["event"]["original"].endswith("\n")
