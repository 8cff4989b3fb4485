"""auditd records: single records, grouping of one audit id, hex decoding."""

from __future__ import annotations

from secops.normalize import normalize, normalize_many
from secops.normalize.auditd import audit_id

from .records import record, sample_records

ARP = "auditd/otrf_SDLIN-201110074812_sh_arp_cache.auditd.log"
ELASTIC = "auditd/elastic-integrations_auditd-log_test-auditd-raw.SUBSET.log"


def test_records_of_one_id_become_one_event() -> None:
    events = normalize_many(sample_records(ARP))
    assert len(events) == 2
    arp, grep = events
    assert arp["event"]["dataset"] == "linux.auditd"
    assert arp["auditd"]["log"]["record_types"] == [
        "SYSCALL", "EXECVE", "CWD", "PATH", "PATH", "PROCTITLE",
    ]  # fmt: skip
    assert arp["auditd"]["syscall"]["syscall"] == "59"
    assert arp["auditd"]["execve"]["a1"] == "-a"
    assert arp["auditd"]["log"]["a0"] == "arp"  # EXECVE wins over SYSCALL's pointer
    assert arp["auditd"]["log"]["exe"] == "/usr/sbin/arp"
    assert arp["auditd"]["log"]["proctitle"] == "arp -a"
    assert [p["name"] for p in arp["auditd"]["paths"]] == [
        "/usr/sbin/arp", "/lib64/ld-linux-x86-64.so.2",
    ]  # fmt: skip
    assert arp["process"]["executable"] == "/usr/sbin/arp"
    assert arp["process"]["name"] == "arp"
    assert arp["process"]["args"] == ["arp", "-a"]
    assert arp["process"]["pid"] == 1631
    assert arp["process"]["parent"]["pid"] == 29002
    assert arp["process"]["working_directory"] == "/home/wardog"
    assert arp["user"]["id"] == "1000"
    assert arp["user"]["audit"]["id"] == "1000"
    assert arp["event"]["outcome"] == "success"
    assert arp["@timestamp"] == "2020-11-10T07:48:16.155Z"
    assert arp["event"]["original"].count("\n") == 5
    assert grep["process"]["args"] == ["grep", "-v", "^?"]


def test_single_record_normalize_still_works() -> None:
    [first, *_] = sample_records(ARP)
    ev = normalize(first)
    assert ev["event"]["dataset"] == "linux.auditd"
    assert ev["auditd"]["log"]["record_types"] == ["SYSCALL"]
    assert ev["auditd"]["log"]["comm"] == "arp"


def test_elastic_samples_every_line_yields_an_event() -> None:
    records = sample_records(ELASTIC)
    events = normalize_many(records)
    # CWD and PATH of audit id 1481077231.371:479 are one event
    assert len(events) == len(records) - 1
    unparsed = [ev for ev in events if ev["event"]["dataset"] == "unparsed"]
    assert [ev["message"] for ev in unparsed] == ["type=UNKNOWN[1329] msg=g"]


def test_hex_values_and_nested_user_fields() -> None:
    records = sample_records(ELASTIC)
    by_type = {}
    for ev in normalize_many(records):
        if ev["event"]["dataset"] == "linux.auditd":
            by_type.setdefault(ev["auditd"]["log"]["record_types"][0], ev)
    syscall = by_type["SYSCALL"]
    assert syscall["process"]["executable"] == "/usr/libexec/strongswan/charon (deleted)"
    assert syscall["process"]["name"] == "charon"
    assert by_type["EXECVE"]["process"]["args"] == ["top"]
    login = by_type["USER_LOGIN"]
    assert login["source"]["ip"] == "89.160.20.156"
    assert login["auditd"]["log"]["op"] == "login"
    assert login["event"]["outcome"] == "success"
    assert login["event"]["category"] == ["authentication", "session"]
    assert by_type["DAEMON_START"]["host"]["name"] == "localhost.localdomain"
    auth = by_type["USER_AUTH"]
    assert auth["user"]["name"] == "admin"
    assert auth["process"]["executable"] == "/usr/sbin/sshd"


def test_audit_through_syslog_is_grouped() -> None:
    lines = [
        "Mar  1 10:00:00 h1 audispd: type=SYSCALL msg=audit(1700000000.100:7): syscall=59 "
        'success=no exit=-13 pid=5 ppid=1 auid=1000 uid=1000 comm="cat" exe="/usr/bin/cat"',
        "Mar  1 10:00:00 h1 audispd: type=EXECVE msg=audit(1700000000.100:7): argc=2 "
        "a0=636174 a1=2F6574632F736861646F77",
        "Mar  1 10:00:00 h1 audispd: type=SYSCALL msg=audit(1700000000.200:8): syscall=2",
    ]
    events = normalize_many([record(line) for line in lines])
    assert len(events) == 2
    ev = events[0]
    assert ev["host"]["name"] == "h1"
    assert ev["process"]["args"] == ["cat", "/etc/shadow"]
    assert ev["auditd"]["log"]["a1"] == "/etc/shadow"
    assert ev["event"]["outcome"] == "failure"
    assert ev["@timestamp"] == "2023-11-14T22:13:20.100Z"


def test_audit_id() -> None:
    assert audit_id("type=X msg=audit(1.5:9): a=b") == "1.5:9"
    assert audit_id("nothing") is None
