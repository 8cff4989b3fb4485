"""PostgreSQL (with pgaudit) and CEF."""

from __future__ import annotations

from secops.normalize import normalize
from secops.normalize.cef import parse_extension

from .records import record


def test_pgaudit_line() -> None:
    ev = normalize(record(
        '2024-03-01 10:00:00.123 UTC [4242] alice@ledger LOG:  AUDIT: SESSION,1,1,READ,'
        'SELECT,TABLE,public.accounts,"select * from accounts, x",<not logged>'
    ))  # fmt: skip
    assert ev["event"]["dataset"] == "postgresql"
    assert ev["@timestamp"] == "2024-03-01T10:00:00.123Z"
    assert ev["user"]["name"] == "alice"
    assert ev["postgresql"]["log"]["database_name"] == "ledger"
    assert ev["postgresql"]["log"]["query"] == "select * from accounts, x"
    assert ev["pgaudit"]["class"] == "READ"
    assert ev["pgaudit"]["command"] == "SELECT"
    assert ev["pgaudit"]["object_name"] == "public.accounts"
    assert ev["pgaudit"]["parameter"] == "<not logged>"
    assert ev["event"]["action"] == "select"
    assert ev["process"]["pid"] == 4242


def test_postgresql_auth_failure_with_offset_and_kv_prefix() -> None:
    ev = normalize(record(
        '2024-03-01 12:00:00 +02 [77] user=bob,db=hr,app=psql,client=10.1.1.1 FATAL:  '
        'password authentication failed for user "bob"'
    ))  # fmt: skip
    assert ev["@timestamp"] == "2024-03-01T10:00:00.000Z"
    assert ev["event"]["outcome"] == "failure"
    assert ev["event"]["action"] == "authentication_failed"
    assert ev["source"]["ip"] == "10.1.1.1"
    assert ev["postgresql"]["log"]["application_name"] == "psql"
    assert ev["log"]["level"] == "fatal"


def test_postgresql_through_syslog() -> None:
    ev = normalize(record(
        "Mar  1 10:00:00 db1 postgres[77]: [3-1] user=bob,db=hr LOG:  duration: 1.5 ms  "
        "statement: update t set a=1"
    ))  # fmt: skip
    assert ev["event"]["dataset"] == "postgresql"
    assert ev["host"]["name"] == "db1"
    assert ev["postgresql"]["log"]["duration_ms"] == 1.5
    assert ev["postgresql"]["log"]["query"] == "update t set a=1"


def test_cef_with_escapes_and_lifts() -> None:
    ev = normalize(record(
        "CEF:0|Sec\\|Corp|FW|1.0|100|Blocked connection|8|src=10.0.0.1 spt=1234 "
        "dst=10.0.0.2 dpt=443 suser=bob act=blocked msg=a\\=b c\\\\d\\nnext rt=1709287200000 "
        "proto=TCP outcome=failure"
    ))  # fmt: skip
    assert ev["event"]["dataset"] == "cef"
    assert ev["cef"]["device"]["vendor"] == "Sec|Corp"
    assert ev["cef"]["device"]["event_class_id"] == "100"
    assert ev["cef"]["extensions"]["msg"] == "a=b c\\d\nnext"
    assert ev["message"] == "a=b c\\d\nnext"
    assert ev["source"] == {"ip": "10.0.0.1", "port": 1234}
    assert ev["destination"] == {"ip": "10.0.0.2", "port": 443}
    assert ev["user"]["name"] == "bob"
    assert ev["event"]["action"] == "blocked"
    assert ev["event"]["outcome"] == "failure"
    assert ev["event"]["severity"] == 8
    assert ev["network"]["transport"] == "tcp"
    assert ev["@timestamp"] == "2024-03-01T10:00:00.000Z"


def test_cef_after_syslog_header() -> None:
    ev = normalize(record("<13>Mar  1 10:00:00 fw01 CEF:0|A|B|1|x|Name|Low|dvchost=fw01.lan"))
    assert ev["event"]["dataset"] == "cef"
    assert ev["host"]["name"] == "fw01.lan"
    assert ev["log"]["syslog"]["severity"]["name"] == "notice"
    assert "severity" not in ev["event"]


def test_parse_extension_values_with_spaces() -> None:
    assert parse_extension("a=one two b=3 c=x\\=y") == {"a": "one two", "b": "3", "c": "x=y"}
    assert parse_extension("") == {}
