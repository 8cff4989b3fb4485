"""sshd against loghub OpenSSH_2k (with its template ground truth) and Elastic's samples."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest

from secops.normalize import normalize

from .records import SAMPLES, record, sample_lines, sample_records

# loghub template id → the event.action we must give every line of it
TEMPLATE_ACTIONS = {
    "E1": "ssh_login",
    "E2": "ssh_connection_closed",
    "E3": "ssh_no_identification",
    "E4": "ssh_too_many_failures",
    "E5": "ssh_too_many_failures",
    "E6": "ssh_disconnect",
    "E7": "ssh_disconnect",
    "E8": "ssh_failed_login",
    "E9": "ssh_failed_login",
    "E10": "ssh_failed_login",
    "E11": "ssh_connection_error",
    "E12": "ssh_invalid_user",
    "E13": "ssh_invalid_user",
    "E14": "ssh_failed_login",
    "E15": "authentication_failure",
    "E16": "authentication_failure",
    "E17": "authentication_failure",
    "E18": "ssh_max_retries",
    "E19": "authentication_failure",
    "E20": "authentication_failure",
    "E21": "user_unknown",
    "E22": "session_closed",
    "E23": "session_opened",
    "E24": "ssh_disconnect",
    "E25": "ssh_disconnect",
    "E26": "ssh_disconnect",
    "E27": "ssh_possible_break_in",
}


@pytest.fixture(scope="module")
def openssh() -> list[tuple[dict[str, str], dict[str, object]]]:
    with open(SAMPLES / "loghub" / "OpenSSH_2k.log_structured.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    events = [normalize(r) for r in sample_records("loghub/OpenSSH_2k.log")]
    assert len(rows) == len(events) == 2000
    return list(zip(rows, events, strict=True))


def test_every_openssh_line_is_parsed_by_template(openssh: list) -> None:
    wrong = [
        (row["LineId"], row["EventId"], ev["event"].get("action"))
        for row, ev in openssh
        if ev["event"].get("action") != TEMPLATE_ACTIONS[row["EventId"]]
    ]
    assert wrong == []
    assert all(ev["event"]["dataset"] == "linux.sshd" for _, ev in openssh)


def test_openssh_header_matches_ground_truth(openssh: list) -> None:
    for row, ev in openssh:
        assert ev["process"]["pid"] == int(row["Pid"])
        assert ev["host"]["name"] == row["Component"]  # loghub calls the host "Component"
        assert ev["message"].rstrip() == row["Content"].rstrip()
        assert ev["@timestamp"][11:19] == row["Time"]


def test_brute_force_source_is_visible(openssh: list) -> None:
    failures = Counter(
        ev["source"]["ip"]
        for _, ev in openssh
        if ev["event"].get("action") == "ssh_failed_login" and "source" in ev
    )
    # 286 "Failed password" lines (one is "message repeated" for several more)
    assert failures["183.62.140.253"] >= 286


def test_failed_password_for_invalid_user() -> None:
    ev = normalize(record(
        "Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for invalid user webmaster "
        "from 173.234.31.186 port 38926 ssh2"
    ))  # fmt: skip
    assert ev["user"]["name"] == "webmaster"
    assert ev["source"] == {"ip": "173.234.31.186", "port": 38926}
    assert ev["system"]["auth"]["ssh"]["invalid_user"] is True
    assert ev["event"]["category"] == ["authentication"]
    assert ev["event"]["outcome"] == "failure"
    assert ev["related"] == {"user": ["webmaster"], "ip": ["173.234.31.186"]}


def test_accepted_publickey_keeps_method_and_signature() -> None:
    ev = normalize(record(
        "Feb 21 21:54:44 localhost sshd[3402]: Accepted publickey for vagrant from 10.0.2.2 "
        "port 63673 ssh2: RSA 39:33:99:e9:a0:dc:f2:33:a3:e5:72:3b:7c:3a:56:84"
    ))  # fmt: skip
    assert ev["event"]["action"] == "ssh_login"
    assert ev["event"]["outcome"] == "success"
    assert ev["system"]["auth"]["ssh"]["method"] == "publickey"
    assert ev["system"]["auth"]["ssh"]["signature"].startswith("RSA 39:33")


@pytest.mark.parametrize(
    ("body", "action", "ip", "user"),
    [
        ("Accepted keyboard-interactive/pam for bob from 10.1.1.1 port 5 ssh2",
         "ssh_login", "10.1.1.1", "bob"),
        ("Disconnected from user bob 10.1.1.1 port 5", "ssh_disconnect", "10.1.1.1", "bob"),
        ("Disconnected from invalid user x 10.1.1.1 port 5 [preauth]",
         "ssh_disconnect", "10.1.1.1", "x"),
        ("Connection closed by authenticating user root 10.1.1.1 port 5 [preauth]",
         "ssh_connection_closed", "10.1.1.1", "root"),
        ("Received disconnect from 10.1.1.1 port 5:11: disconnected by user",
         "ssh_disconnect", "10.1.1.1", None),
        ("Invalid user admin from 10.1.1.1 port 5", "ssh_invalid_user", "10.1.1.1", "admin"),
    ],
)  # fmt: skip
def test_newer_openssh_messages(body: str, action: str, ip: str, user: str | None) -> None:
    ev = normalize(record(f"Mar  1 10:00:00 h sshd[9]: {body}"))
    assert ev["event"]["action"] == action
    assert ev["source"]["ip"] == ip
    assert ev.get("user", {}).get("name") == user


def _flatten(doc: dict[str, object], prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in doc.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def test_sudo_no_tty_matches_elastic_pipeline_output() -> None:
    name = "elastic-integrations_system-auth_test-sudo-no-tty.log-expected.json"
    text = (SAMPLES / "linux_auth" / name).read_text(encoding="utf-8")
    expected_doc = json.loads(text)["expected"][0]
    [line] = sample_lines("linux_auth/elastic-integrations_system-auth_test-sudo-no-tty.log")
    rec = record(line, received_at=1786060800.0)  # 2026-08-07, the year Elastic's test assumed
    got = _flatten(normalize(rec))
    expected = _flatten(expected_doc)
    expected["host.name"] = expected.pop("host.hostname")
    for field in ("@timestamp", "message", "event.original", "event.category", "event.type",
                  "event.kind", "host.name", "process.name", "process.pid", "user.name",
                  "user.effective.name", "system.auth.sudo.command", "system.auth.sudo.pwd",
                  "system.auth.sudo.user"):  # fmt: skip
        assert got[field] == expected[field], field
    assert sorted(got["related.user"]) == sorted(expected["related.user"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "path",
    [
        "linux_auth/elastic-integrations_system-auth_test-auth.log",
        "linux_auth/elastic-integrations_system-auth_test-secure-rhel7.log",
    ],
)
def test_linux_auth_samples_all_parse(path: str) -> None:
    events = [normalize(r) for r in sample_records(path)]
    assert events
    for ev in events:
        assert ev["event"]["dataset"] in ("linux.sshd", "linux.sudo", "linux.accounts")
        assert ev["process"]["name"] in ("sshd", "sudo", "groupadd", "useradd")
        assert "error" not in ev
