"""Each Sigma modifier and condition form, compiled and run on hand-built ECS events."""

from __future__ import annotations

import base64

import pytest

from secops.errors import RuleError

from .helpers import rule_from, rule_from_yaml

WIN = {"product": "windows", "category": "process_creation"}


def proc(cmd: str = "", image: str = "C:\\Windows\\System32\\cmd.exe", **data: str) -> dict:
    return {
        "event": {"dataset": "windows", "code": "1"},
        "winlog": {
            "channel": "Microsoft-Windows-Sysmon/Operational",
            "event_id": "1",
            "event_data": {"CommandLine": cmd, "Image": image, **data},
        },
    }


def fires(detection: dict, event: dict, **kwargs: object) -> bool:
    return rule_from(detection, **kwargs).matcher(event)  # type: ignore[arg-type]


def test_plain_value_is_case_insensitive_equality() -> None:
    det = {"sel": {"user.name": "Admin"}, "condition": "sel"}
    assert fires(det, {"user": {"name": "admin"}})
    assert fires(det, {"user": {"name": "ADMIN"}})
    assert not fires(det, {"user": {"name": "admin2"}})
    assert not fires(det, {})


def test_contains_startswith_endswith() -> None:
    det = {
        "a": {"url.path|contains": "/admin/"},
        "b": {"url.path|startswith": "/api"},
        "c": {"url.path|endswith": ".php"},
        "condition": "a or b or c",
    }
    assert fires(det, {"url": {"path": "/x/ADMIN/y"}})
    assert fires(det, {"url": {"path": "/API/v1"}})
    assert fires(det, {"url": {"path": "/index.PHP"}})
    assert not fires(det, {"url": {"path": "/v1/api.html"}})


def test_all_contains_needs_every_value() -> None:
    det = {"sel": {"CommandLine|contains|all": ["-enc", "hidden"]}, "condition": "sel"}
    assert fires(det, proc("powershell -ENC abc -w hidden"), logsource=WIN)
    assert not fires(det, proc("powershell -enc abc"), logsource=WIN)


def test_cased_makes_the_match_case_sensitive() -> None:
    det = {"sel": {"CommandLine|cased|contains": "Invoke-Mimikatz"}, "condition": "sel"}
    assert fires(det, proc("x Invoke-Mimikatz y"), logsource=WIN)
    assert not fires(det, proc("x invoke-mimikatz y"), logsource=WIN)


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("C:\\\\*\\cmd.exe", "c:\\windows\\system32\\CMD.EXE", True),  # \\* = \ then *
        ("C:\\*\\cmd.exe", "c:\\windows\\system32\\CMD.EXE", False),  # \* = a literal star
        ("C:\\*\\cmd.exe", "c:*\\cmd.exe", True),
        ("cmd.ex?", "cmd.exe", True),
        ("cmd.ex?", "cmd.ex", False),
        ("a\\*b", "a*b", True),  # escaped wildcard is a literal star
        ("a\\*b", "axxb", False),
        ("a\\?b", "a?b", True),
        ("a\\?b", "axb", False),
        ("C:\\Temp\\", "c:\\temp\\", True),  # a lone backslash stays a backslash
    ],
)
def test_wildcards_and_escapes(pattern: str, value: str, expected: bool) -> None:
    det = {"sel": {"file.path": pattern}, "condition": "sel"}
    assert fires(det, {"file": {"path": value}}) is expected


def test_regex_with_flags() -> None:
    plain = {"sel": {"message|re": "^Failed .+ for root"}, "condition": "sel"}
    assert fires(plain, {"message": "Failed password for root"})
    assert not fires(plain, {"message": "failed password for root"})  # case-sensitive by default
    ignore = {"sel": {"message|re|i": "^failed .+ for ROOT"}, "condition": "sel"}
    assert fires(ignore, {"message": "Failed password for root"})
    multi = {"sel": {"message|re|m": "^second$"}, "condition": "sel"}
    assert fires(multi, {"message": "first\nsecond\nthird"})
    assert not fires(
        {"sel": {"message|re": "^second$"}, "condition": "sel"}, {"message": "a\nsecond"}
    )
    dotall = {"sel": {"message|re|s": "begin.end"}, "condition": "sel"}
    assert fires(dotall, {"message": "begin\nend"})
    assert not fires(
        {"sel": {"message|re": "begin.end"}, "condition": "sel"}, {"message": "begin\nend"}
    )


def test_base64_and_base64offset_contains() -> None:
    det = {"sel": {"CommandLine|base64offset|contains": "Invoke-Expression"}, "condition": "sel"}
    for prefix in ("", "x", "xy"):
        encoded = base64.b64encode(f"{prefix}Invoke-Expression(x)".encode()).decode()
        assert fires(det, proc(f"powershell -e {encoded}"), logsource=WIN), prefix
    assert not fires(
        det, proc("powershell -e " + base64.b64encode(b"Get-Date").decode()), logsource=WIN
    )
    exact = {"sel": {"CommandLine|base64": "whoami"}, "condition": "sel"}
    assert fires(exact, proc(base64.b64encode(b"whoami").decode()), logsource=WIN)


@pytest.mark.parametrize(
    ("modifier", "encoding"),
    [("wide", "utf-16le"), ("utf16le", "utf-16le"), ("utf16be", "utf-16be"), ("utf16", "utf-16")],
)
def test_utf16_encodings_before_base64(modifier: str, encoding: str) -> None:
    det = {"sel": {f"CommandLine|{modifier}|base64offset|contains": "ping"}, "condition": "sel"}
    blob = base64.b64encode("ping 10.0.0.1".encode(encoding)).decode()
    assert fires(det, proc(f"powershell -enc {blob}"), logsource=WIN)
    other = base64.b64encode("pong".encode(encoding)).decode()
    assert not fires(det, proc(f"powershell -enc {other}"), logsource=WIN)


def test_windash_accepts_every_dash_form() -> None:
    det = {"sel": {"CommandLine|windash|contains": " -decode "}, "condition": "sel"}
    for dash in ("-", "/", "\u2013", "\u2014", "\u2015"):
        assert fires(det, proc(f"certutil {dash}decode a b"), logsource=WIN), dash
    assert not fires(det, proc("certutil +decode a b"), logsource=WIN)


def test_cidr_ipv4_and_ipv6() -> None:
    det = {"sel": {"source.ip|cidr": ["10.0.0.0/8", "2001:db8::/32"]}, "condition": "sel"}
    assert fires(det, {"source": {"ip": "10.20.30.40"}})
    assert fires(det, {"source": {"ip": "2001:db8:1::5"}})
    assert not fires(det, {"source": {"ip": "2001:db9::1"}})
    assert not fires(det, {"source": {"ip": "11.0.0.1"}})
    assert not fires(det, {"source": {"ip": "not-an-ip"}})


def test_null_and_empty_values() -> None:
    null = {"sel": {"user.name": None}, "condition": "sel"}
    assert fires(null, {})
    assert fires(null, {"user": {"name": None}})
    assert not fires(null, {"user": {"name": "bob"}})
    assert not fires(null, {"user": {"name": ""}})
    empty = {"sel": {"user.name": ""}, "condition": "sel"}
    assert fires(empty, {"user": {"name": ""}})
    assert not fires(empty, {})
    assert not fires(empty, {"user": {"name": "bob"}})


def test_exists() -> None:
    yes = {"sel": {"user.name|exists": True}, "condition": "sel"}
    no = {"sel": {"user.name|exists": False}, "condition": "sel"}
    assert fires(yes, {"user": {"name": "x"}})
    assert not fires(no, {"user": {"name": "x"}})
    assert fires(no, {"user": {}})
    assert not fires(yes, {"user": {}})


def test_fieldref_equality_and_contains() -> None:
    det = {"sel": {"user.name|fieldref": "user.effective.name"}, "condition": "sel"}
    assert fires(det, {"user": {"name": "Root", "effective": {"name": "root"}}})
    assert not fires(det, {"user": {"name": "alice", "effective": {"name": "root"}}})
    contains = {"sel": {"process.command_line|fieldref|contains": "user.name"}, "condition": "sel"}
    assert fires(contains, {"process": {"command_line": "passwd alice"}, "user": {"name": "alice"}})
    assert not fires(
        contains, {"process": {"command_line": "passwd bob"}, "user": {"name": "alice"}}
    )


def test_expand_takes_placeholder_values_from_configuration() -> None:
    det = {"sel": {"user.name|expand": "%admins%"}, "condition": "sel"}
    rule = rule_from(det, placeholders={"admins": ["root", "admin"]})
    assert rule.matcher({"user": {"name": "ADMIN"}})
    assert not rule.matcher({"user": {"name": "guest"}})
    with pytest.raises(RuleError, match="admins"):
        rule_from(det)


@pytest.mark.parametrize(
    ("modifier", "value", "matching", "not_matching"),
    [
        ("lt", 10, 9, 10),
        ("lte", 10, 10, 11),
        ("gt", 10, 11, 10),
        ("gte", 10, 10, 9),
    ],
)
def test_numeric_comparisons(modifier: str, value: int, matching: int, not_matching: int) -> None:
    det = {"sel": {f"http.response.status_code|{modifier}": value}, "condition": "sel"}
    assert fires(det, {"http": {"response": {"status_code": matching}}})
    assert fires(det, {"http": {"response": {"status_code": str(matching)}}})
    assert not fires(det, {"http": {"response": {"status_code": not_matching}}})
    assert not fires(det, {"http": {"response": {"status_code": "n/a"}}})


def test_neq_negates_the_item() -> None:
    det = {"sel": {"event.outcome|neq": "success", "event.action": "login"}, "condition": "sel"}
    assert fires(det, {"event": {"action": "login", "outcome": "failure"}})
    assert not fires(det, {"event": {"action": "login", "outcome": "success"}})


def test_numbers_compare_as_numbers_else_as_strings() -> None:
    det = {"sel": {"EventID": 4688}, "condition": "sel"}
    event = proc()
    event["winlog"]["event_id"] = "4688"
    assert fires(det, event, logsource={"product": "windows"})
    event["winlog"]["event_id"] = "04688"
    assert fires(det, event, logsource={"product": "windows"})
    event["winlog"]["event_id"] = "4689"
    assert not fires(det, event, logsource={"product": "windows"})
    as_string = {"sel": {"x.code": "0x10"}, "condition": "sel"}
    assert fires(as_string, {"x": {"code": "0X10"}})
    assert fires({"sel": {"x.n": "12"}, "condition": "sel"}, {"x": {"n": 12}})


def test_list_valued_fields_match_on_any_element() -> None:
    det = {"sel": {"type": "EXECVE"}, "condition": "sel"}
    event = {"auditd": {"log": {"record_types": ["SYSCALL", "EXECVE", "PATH"]}}}
    assert fires(det, event, logsource={"product": "linux", "service": "auditd"})
    event["auditd"]["log"]["record_types"] = ["SYSCALL"]
    assert not fires(det, event, logsource={"product": "linux", "service": "auditd"})


def test_keywords_search_message_and_original() -> None:
    det = {"keywords": ["segfault", "Out of memory"], "condition": "keywords"}
    assert fires(det, {"message": "kernel: app[12]: SEGFAULT at 0"})
    assert fires(det, {"event": {"original": "<3>kernel: out of memory: kill process"}})
    assert not fires(det, {"message": "all fine"})


def test_all_of_them_over_a_keyword_list() -> None:
    text = """
keywords:
    '|all':
        - 'rm -rf'
        - '/var/log'
condition: all of them
"""
    rule = rule_from_yaml(text)
    assert rule.matcher({"message": "sh -c rm -rf /var/log/*"})
    assert not rule.matcher({"message": "sh -c rm -rf /tmp/x"})


def test_selector_forms() -> None:
    det = {
        "sel_a": {"a": "1"},
        "sel_b": {"b": "2"},
        "filter": {"c": "3"},
        "condition": "1 of sel_* and not filter",
    }
    assert fires(det, {"a": "1"})
    assert fires(det, {"b": "2"})
    assert not fires(det, {"a": "1", "c": "3"})
    all_sel = dict(det, condition="all of sel_*")
    assert fires(all_sel, {"a": "1", "b": "2"})
    assert not fires(all_sel, {"a": "1"})
    any_them = dict(det, condition="1 of them")
    assert fires(any_them, {"c": "3"})
    all_them = dict(det, condition="all of them")
    assert fires(all_them, {"a": "1", "b": "2", "c": "3"})
    assert not fires(all_them, {"a": "1", "b": "2"})


def test_parentheses_and_precedence() -> None:
    det = {"a": {"a": "1"}, "b": {"b": "1"}, "c": {"c": "1"}, "condition": "a and (b or c)"}
    assert fires(det, {"a": "1", "c": "1"})
    assert not fires(det, {"b": "1", "c": "1"})
    no_parens = dict(det, condition="a and b or c")  # and binds tighter
    assert fires(no_parens, {"c": "1"})


def test_list_of_maps_is_an_or_of_ands() -> None:
    det = {
        "sel": [{"a": "1", "b": "2"}, {"c": "3"}],
        "condition": "sel",
    }
    assert fires(det, {"a": "1", "b": "2"})
    assert fires(det, {"c": "3"})
    assert not fires(det, {"a": "1"})


def test_field_mapping_reads_security_4688_names() -> None:
    det = {"sel": {"Image|endswith": "\\whoami.exe"}, "condition": "sel"}
    security = {
        "winlog": {
            "channel": "Security",
            "event_id": "4688",
            "event_data": {"NewProcessName": "C:\\Windows\\System32\\whoami.exe"},
        }
    }
    assert fires(det, security, logsource=WIN)
    assert fires(det, proc(image="C:\\Windows\\System32\\WHOAMI.exe"), logsource=WIN)
    assert not fires(det, proc(image="C:\\Windows\\System32\\cmd.exe"), logsource=WIN)


def test_web_fields_map_to_ecs() -> None:
    det = {
        "sel": {"cs-method": "POST", "c-uri|contains": "/wp-login", "sc-status": 200},
        "condition": "sel",
    }
    web = {"logsource": {"category": "webserver"}}
    event = {
        "http": {"request": {"method": "POST"}, "response": {"status_code": 200}},
        "url": {"original": "/blog/wp-login.php"},
    }
    assert fires(det, event, **web)  # type: ignore[arg-type]
    event["http"]["response"]["status_code"] = 403
    assert not fires(det, event, **web)  # type: ignore[arg-type]


def test_unsupported_modifier_is_a_rule_error() -> None:
    with pytest.raises(RuleError, match="timestamp"):
        rule_from({"sel": {"@timestamp|hour": 3}, "condition": "sel"})
