"""Syslog framing: RFC 3164 (with and without PRI, ISO timestamps) and RFC 5424."""

from __future__ import annotations

from secops.normalize import normalize
from secops.normalize.syslog import parse_structured_data

from .records import RECEIVED, record


def test_rfc3164_with_pri() -> None:
    ev = normalize(record("<38>Feb  5 17:32:18 host1 sshd[42]: Server listening on :: port 22."))
    sl = ev["log"]["syslog"]
    assert sl["facility"] == {"code": 4, "name": "auth"}
    assert sl["severity"] == {"code": 6, "name": "info"}
    assert sl["appname"] == "sshd"
    assert sl["procid"] == "42"
    assert ev["process"] == {"name": "sshd", "pid": 42}
    assert ev["host"]["name"] == "host1"
    assert ev["@timestamp"] == "2025-02-05T17:32:18.000Z"  # received 2026-01-01
    assert ev["message"] == "Server listening on :: port 22."


def test_year_rolls_back_when_the_event_would_be_in_the_future() -> None:
    # received 2026-01-01; a 10 December line is from 2025
    ev = normalize(record("Dec 10 06:55:46 LabSZ sshd[1]: Invalid user a from 1.2.3.4"))
    assert ev["@timestamp"] == "2025-12-10T06:55:46.000Z"
    # within a day ahead (clock skew) stays in the received year
    ev = normalize(record("Jan  1 12:00:00 h sshd[1]: x", received_at=RECEIVED))
    assert ev["@timestamp"] == "2026-01-01T12:00:00.000Z"


def test_rsyslog_iso_timestamp_is_converted_to_utc() -> None:
    ev = normalize(record("2024-05-01T12:00:00.123456+02:00 db1 kernel: oops"))
    assert ev["@timestamp"] == "2024-05-01T10:00:00.123Z"
    assert ev["event"]["dataset"] == "syslog"
    assert ev["message"] == "oops"
    assert ev["process"]["name"] == "kernel"


def test_program_without_parser_gives_dataset_syslog() -> None:
    ev = normalize(record("Jun 14 15:16:01 combo ftpd[24085]: connection from 1.2.3.4"))
    assert ev["event"]["dataset"] == "syslog"
    assert ev["process"]["name"] == "ftpd"
    assert "tags" not in ev


def test_rfc5424_with_structured_data() -> None:
    line = (
        "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 99 ID47 "
        '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]'
        '[examplePriority@32473 class="high" q="a \\"b\\" \\]"] An application event'
    )
    ev = normalize(record(line))
    sl = ev["log"]["syslog"]
    assert sl["appname"] == "evntslog"
    assert sl["procid"] == "99"
    assert sl["msgid"] == "ID47"
    assert sl["facility"]["name"] == "local4"
    assert sl["severity"]["name"] == "notice"
    assert sl["structured_data"]["exampleSDID@32473"]["eventID"] == "1011"
    assert sl["structured_data"]["examplePriority@32473"]["q"] == 'a "b" ]'
    assert ev["@timestamp"] == "2003-10-11T22:14:15.003Z"
    assert ev["host"]["name"] == "mymachine.example.com"
    assert ev["message"] == "An application event"


def test_rfc5424_nil_values_and_program_routing() -> None:
    line = (
        "<86>1 2024-01-02T03:04:05Z host - - - - "
        "pam_unix(cron:session): session closed for user root"
    )
    ev = normalize(record(line))
    assert ev["event"]["dataset"] == "linux.pam"
    assert ev["user"]["name"] == "root"
    assert "structured_data" not in ev["log"]["syslog"]


def test_rfc5424_routes_by_app_name() -> None:
    line = (
        "<38>1 2024-01-02T03:04:05Z bastion sshd 77 - - "
        "Failed password for root from 1.2.3.4 port 22 ssh2"
    )
    ev = normalize(record(line))
    assert ev["event"]["dataset"] == "linux.sshd"
    assert ev["event"]["outcome"] == "failure"
    assert ev["process"]["pid"] == 77


def test_message_repeated_is_counted_and_parsed() -> None:
    line = (
        "Dec 10 09:32:20 LabSZ sshd[24680]: message repeated 5 times: "
        "[ Failed password for root from 5.36.59.76 port 42393 ssh2]"
    )
    ev = normalize(record(line))
    assert ev["secops"]["repeat_count"] == 5
    assert ev["event"]["action"] == "ssh_failed_login"
    assert ev["source"] == {"ip": "5.36.59.76", "port": 42393}


def test_parse_structured_data_nil() -> None:
    assert parse_structured_data("-") == {}
    assert parse_structured_data('[a x="1"][b]') == {"a": {"x": "1"}, "b": {}}
