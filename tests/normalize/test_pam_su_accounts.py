"""PAM, su and account management, against loghub Linux_2k and hand-written lines."""

from __future__ import annotations

import csv
from collections import Counter

from secops.normalize import normalize

from .records import SAMPLES, record, sample_records

# Linux_2k templates of PAM lines → expected action
PAM_TEMPLATES = {
    "E16": "authentication_failure",
    "E17": "authentication_failure",
    "E18": "authentication_failure",
    "E19": "authentication_failure",
    "E27": "user_unknown",
    "E101": "session_closed",
    "E102": "session_opened",
}


def test_linux_2k_every_line_yields_an_event_and_pam_lines_are_parsed() -> None:
    with open(SAMPLES / "loghub" / "Linux_2k.log_structured.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    events = [normalize(r) for r in sample_records("loghub/Linux_2k.log")]
    assert len(events) == len(rows) == 2000
    datasets = Counter(ev["event"]["dataset"] for ev in events)
    assert datasets["unparsed"] <= 5
    for row, ev in zip(rows, events, strict=True):
        if row["EventId"] in PAM_TEMPLATES and "pam_unix" in row["Component"]:
            assert ev["event"].get("action") == PAM_TEMPLATES[row["EventId"]], row["LineId"]
        if row["EventId"] == "E18":
            assert ev["user"]["name"] == "root"
    su = [ev for ev in events if ev["event"]["dataset"] == "linux.su"]
    assert len(su) == 172


def test_pam_authentication_failure_with_rhost_host_name() -> None:
    ev = normalize(record(
        "Jun 15 02:04:59 combo sshd(pam_unix)[20882]: authentication failure; logname= uid=0 "
        "euid=0 tty=NODEVssh ruser= rhost=220-135-151-1.hinet-ip.hinet.net  user=root"
    ))  # fmt: skip
    assert ev["event"]["dataset"] == "linux.sshd"
    assert ev["process"]["name"] == "sshd"
    assert ev["source"]["domain"] == "220-135-151-1.hinet-ip.hinet.net"
    assert "ip" not in ev["source"]
    assert ev["event"]["outcome"] == "failure"


def test_pam_session_opened_by_other_program() -> None:
    ev = normalize(record(
        "Mar  1 10:00:00 h systemd-logind[1]: pam_unix(login:session): session opened for "
        "user root(uid=0) by LOGIN(uid=0)"
    ))  # fmt: skip
    assert ev["event"]["dataset"] == "linux.pam"
    assert ev["user"]["name"] == "root"
    assert ev["source"]["user"]["name"] == "LOGIN"
    assert ev["system"]["auth"]["pam"] == {"module": "pam_unix", "service": "login",
                                           "type": "session"}  # fmt: skip
    assert ev["event"]["category"] == ["session"]


def test_su_variants() -> None:
    ok = normalize(record("Mar  1 10:00:00 h su[5]: Successful su for root by alice"))
    assert ok["event"]["dataset"] == "linux.su"
    assert (ok["user"]["name"], ok["user"]["effective"]["name"]) == ("alice", "root")
    assert ok["event"]["outcome"] == "success"
    bad = normalize(record("Mar  1 10:00:00 h su[5]: FAILED SU (to root) mallory on pts/1"))
    assert bad["event"]["action"] == "su_failed"
    assert bad["event"]["outcome"] == "failure"
    assert bad["user"]["name"] == "mallory"
    arrow = normalize(record("Mar  1 10:00:00 h su: - pts/1 eve:root"))
    assert arrow["event"]["outcome"] == "failure"
    assert arrow["user"]["effective"]["name"] == "root"


def test_sudo_incorrect_password_and_no_tty() -> None:
    ev = normalize(record(
        "Mar  1 10:00:00 h sudo:   bob : 3 incorrect password attempts ; TTY=pts/0 ; "
        "PWD=/home/bob ; USER=root ; COMMAND=/bin/bash"
    ))  # fmt: skip
    assert ev["event"]["action"] == "sudo_auth_failure"
    assert ev["event"]["outcome"] == "failure"
    assert ev["system"]["auth"]["sudo"]["command"] == "/bin/bash"
    ev = normalize(record(
        "Mar  1 10:00:00 h sudo: www : no tty present and no askpass program specified ; "
        "TTY=unknown ; PWD=/ ; USER=root ; COMMAND=/usr/bin/id ; x"
    ))  # fmt: skip
    assert ev["event"]["action"] == "sudo_denied"
    assert ev["system"]["auth"]["sudo"]["tty"] == "unknown"
    assert ev["system"]["auth"]["sudo"]["command"] == "/usr/bin/id ; x"


def test_account_management() -> None:
    ev = normalize(record(
        "Feb 22 11:47:05 localhost useradd[6995]: new user: name=apache, UID=48, GID=48, "
        "home=/usr/share/httpd, shell=/sbin/nologin"
    ))  # fmt: skip
    assert ev["event"]["dataset"] == "linux.accounts"
    assert ev["event"]["action"] == "user_created"
    assert ev["event"]["type"] == ["user", "creation"]
    assert ev["user"] == {"name": "apache", "id": "48"}
    assert ev["group"] == {"id": "48"}
    ev = normalize(record("Mar  1 10:00:00 h userdel[3]: delete user 'bob'"))
    assert (ev["event"]["action"], ev["user"]["name"]) == ("user_deleted", "bob")
    ev = normalize(record("Mar  1 10:00:00 h usermod[3]: add 'bob' to group 'wheel'"))
    assert ev["event"]["action"] == "group_member_added"
    assert (ev["user"]["name"], ev["group"]["name"]) == ("bob", "wheel")
    ev = normalize(record("Mar  1 10:00:00 h groupdel[3]: group 'ops' removed"))
    assert (ev["event"]["action"], ev["group"]["name"]) == ("group_deleted", "ops")
    ev = normalize(record(
        "Mar  1 10:00:00 h chpasswd[3]: pam_unix(chpasswd:chauthtok): password changed for bob"
    ))  # fmt: skip
    assert (ev["event"]["action"], ev["user"]["name"]) == ("password_changed", "bob")
    assert ev["event"]["dataset"] == "linux.accounts"
