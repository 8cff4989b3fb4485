"""Adversarial inputs per parser: an ordinary record, prefixes that reach the parser's
tokenisers, and fragments repeated up to a size.

Used by ``secops bench normalize --worst`` and by the linear-time tests. A case
builds ``prefix + fragment * k`` (cut to the size) for every prefix and fragment:
repetitions of separators and token-like pieces are what makes a backtracking
tokeniser go quadratic.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from secops.records import RawRecord, Source

SYSLOG = "<13>Jan  1 00:00:00 h "
# pieces that every tokeniser sees as separators, quotes, escapes or key-ish tokens
COMMON = (
    "a", "a.", "a=", "=", '"', "'", "\\", " ", "k=v ", 'k="v', "0", ":", "[", "]",
    "{", "(", ",", ";", "|", "a ", "a:", "@", "\t", "\\\"", "a=\"\" ", "=a ",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Case:
    """One parser: how an ordinary record of it looks, and where to attack it."""

    parser: str  # the registry name (``RawRecord.format_hint`` when ``hinted``)
    ordinary: str
    prefixes: tuple[str, ...]
    keywords: tuple[str, ...] = ()  # the parser's own words, repeated like fragments
    suffix: str = ""
    hinted: bool = False  # send ``format_hint=parser`` (else auto-detection routes it)

    @property
    def fragments(self) -> tuple[str, ...]:
        return COMMON + self.keywords

    def record(self, text: str) -> RawRecord:
        return RawRecord(
            source=Source(input="bench", host="h"),
            received_at=1767225600.0,
            message=text,
            format_hint=self.parser if self.hinted else None,
        )

    def build(self, prefix: str, fragment: str, size: int) -> str:
        """``prefix + fragment * k + suffix`` of ``size`` characters (at least the prefix)."""
        room = max(size - len(prefix) - len(self.suffix), 0)
        body = (fragment * (room // len(fragment) + 1))[:room]
        return prefix + body + self.suffix

    def attacks(self, size: int) -> Iterator[tuple[str, str]]:
        """``(label, text)`` for every prefix x fragment at ``size`` characters."""
        for i, prefix in enumerate(self.prefixes):
            for fragment in self.fragments:
                yield f"p{i} {fragment!r}", self.build(prefix, fragment, size)


CASES: tuple[Case, ...] = (
    Case(
        "parliament.dms",
        SYSLOG + "dms: app=dms ts=2025-03-01T10:00:00.250Z user=mrossi role=clerk "
        "clearance=confidential doc_id=D-1 classification=secret action=download "
        'result=denied client=10.1.2.3 reason="clearance below classification"',
        (SYSLOG + "dms: app=dms ", "app=dms user=a action=view ", SYSLOG + "dms: user=a "),
        ("user=", "action=", "app=dms ", "ts=", "role=a,", 'reason="'),
    ),
    Case(
        "linux.auditd",
        "type=USER_LOGIN msg=audit(1700000000.123:42): pid=1 uid=0 auid=4294967295 "
        'ses=4294967295 msg=\'op=login acct="bob" exe="/usr/sbin/sshd" hostname=? '
        "addr=10.0.0.1 terminal=sshd res=failed'",
        (
            "type=SYSCALL msg=audit(1700000000.123:42): ",
            "type=USER_LOGIN msg=audit(1700000000.123:42): msg='",
            "node=",
            "type=EXECVE msg=audit(1700000000.123:42): a0=",
        ),
        ("msg=audit(", "type=", "node=", "a0=", "41", "msg='", "proctitle="),
    ),
    Case(
        "linux.sshd",
        SYSLOG + "sshd[7]: Failed password for invalid user admin from 10.0.0.1 port 22 ssh2",
        tuple(
            SYSLOG + "sshd[7]: " + p
            for p in (
                "",
                "Failed password for ",
                "Accepted password for a from ",
                "Invalid user ",
                "Received disconnect from ",
                "Address a ",
                "Disconnected from ",
                "Connection closed by ",
                "input_userauth_request: invalid user ",
                "reverse mapping checking getaddrinfo for a [",
                "Disconnecting: Too many authentication failures for ",
                "PAM: ",
            )
        ),
        (" from ", " port ", "from ", "user ", " [preauth]", "POSSIBLE BREAK-IN", " port 1:"),
    ),
    Case(
        "linux.pam",
        SYSLOG + "login[3]: pam_unix(login:auth): authentication failure; logname= uid=0 "
        "euid=0 tty=tty1 ruser= rhost=10.0.0.1  user=bob",
        (
            SYSLOG + "login[3]: pam_unix(login:auth): authentication failure; ",
            SYSLOG + "login[3]: pam_unix(login:session): session opened for user ",
            SYSLOG + 'login[3]: pam_unix(login:auth): requirement "',
            SYSLOG + "login[3]: pam_",
        ),
        ("user=", "rhost=", "(uid=", "(uid=0", " by ", '" not met by user "', "pam_unix("),
    ),
    Case(
        "linux.sudo",
        SYSLOG + "sudo: bob : TTY=pts/0 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/ls",
        (SYSLOG + "sudo: bob : ", SYSLOG + "sudo: ", SYSLOG + "sudo: bob : TTY=a ; "),
        (" ; ", " : ", "COMMAND=", "USER=", "TTY=", "incorrect password"),
    ),
    Case(
        "linux.su",
        SYSLOG + "su[9]: + pts/0 bob:root",
        (
            SYSLOG + "su[9]: + pts/0 ",
            SYSLOG + "su[9]: FAILED su for ",
            SYSLOG + "su[9]: (to ",
            SYSLOG + "su[9]: ",
        ),
        (":a", "a:", " by ", "(to ", "+ ", "- "),
        suffix=" x",
    ),
    Case(
        "linux.accounts",
        SYSLOG + "useradd[5]: new user: name=alice, UID=1001, GID=1001, home=/home/alice",
        (
            SYSLOG + "useradd[5]: new user: ",
            SYSLOG + "gpasswd[5]: add '",
            SYSLOG + "groupadd[5]: new group: ",
        ),
        ("name=", "UID=", "GID=", ", ", "'a' "),
    ),
    Case(
        "nginx.access",
        '10.0.0.1 - bob [01/Mar/2025:10:00:00 +0000] "GET /a?b=c HTTP/1.1" 200 512 '
        '"https://x.example/" "Mozilla/5.0"',
        (
            "10.0.0.1 - - [",
            '10.0.0.1 - - [01/Mar/2025:10:00:00 +0000] "',
            '10.0.0.1 - - [01/Mar/2025:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "',
            'v 10.0.0.1 - - [01/Mar/2025:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "',
            SYSLOG + "nginx: ",
        ),
        ('\\"', ' "', "] ", "HTTP/1.1 ", "- "),
        hinted=True,
    ),
    Case(
        "apache.access",
        'www.example 10.0.0.1 - - [01/Mar/2025:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "-"',
        (
            "www.example 10.0.0.1 - - [",
            'www.example 10.0.0.1 - - [01/Mar/2025:10:00:00 +0000] "GET ',
            SYSLOG + "httpd: ",
        ),
        ('\\"', ' "', "] ", "- "),
        hinted=True,
    ),
    Case(
        "nginx.error",
        '2016/10/25 14:49:34 [error] 54053#0: *1 open() "/x" failed, client: 10.0.0.1, '
        'server: localhost, request: "GET /x HTTP/1.1", host: "localhost"',
        (
            "2016/10/25 14:49:34 [error] 1#0: *1 x",
            "2016/10/25 14:49:34 [error] 1#0: *1 x, client: ",
        ),
        (", client: ", ', request: "', ', host: "', ", "),
    ),
    Case(
        "apache.error",
        "[Sun Dec 04 04:47:44 2005] [error] [client 10.0.0.1] mod_jk child workerEnv in "
        "error state 6",
        (
            "[Sun Dec 04 04:47:44 2005] [",
            "[Sun Dec 04 04:47:44 2005] [core:error] [pid 1:tid 2] [client ",
            "[Sun Dec 04 04:47:44 2005] [error] ",
        ),
        ("[client ", "[pid ", "a:", "] ", ":tid "),
    ),
    Case(
        "postgresql",
        "2024-03-01 10:00:00.123 UTC [4242] alice@ledger LOG:  AUDIT: SESSION,1,1,READ,"
        'SELECT,TABLE,public.accounts,"select * from accounts",<not logged>',
        (
            "2024-03-01 10:00:00.123 UTC [4242] ",
            "2024-03-01 10:00:00.123 UTC [4242] user=a LOG:  AUDIT: ",
            "2024-03-01 10:00:00.123 UTC [4242] a@b LOG:  duration: ",
            SYSLOG + "postgres[7]: [3-1] ",
            SYSLOG + "postgres[7]: [3-1] a LOG:  connection received: host=",
        ),
        ("LOG:", "LOG: ", " LOG:  ", "a@b ", "user=", ",db=", "@", '"', ",", " ms", " port="),
    ),
    Case(
        "cef",
        "CEF:0|Sec|FW|1.0|100|Blocked connection|8|src=10.0.0.1 spt=1234 dst=10.0.0.2 "
        "dpt=443 suser=bob act=blocked msg=a\\=b rt=1709287200000 outcome=failure",
        ("CEF:0|a|b|c|d|e|f|", "CEF:", SYSLOG + "CEF:0|a|b|c|d|e|f|src=1 ", "CEF:0|a|b|c|"),
        ("a=", " a=", "\\=", "\\|", "\\\\", "rt=", "src=", "|"),
    ),
    Case(
        "parliament.portal",
        'evoting 10.20.0.17 - M0421 [12/Mar/2025:10:15:02 +0100] "POST /ballots/B-1/vote '
        'HTTP/1.1" 201 87 "-" "Mozilla/5.0" sid=8f2c1a action=vote_cast ballot=B-1 ms=42',
        (
            'portal 10.0.0.1 - - [12/Mar/2025:10:15:02 +0100] "GET / HTTP/1.1" 200 1 "-" "-" ',
            "portal ",
            'evoting 10.0.0.1 - - [12/Mar/2025:10:15:02 +0100] "',
        ),
        ("sid=", "action=", "ms=", "ballot="),
    ),
    Case(
        "syslog",
        '<13>1 2025-03-01T10:00:00.250Z h app 812 ID47 [ex@1 a="b" c="d"] hello world',
        (
            "<13>1 2025-03-01T10:00:00.250Z h app 812 ID47 ",
            "<13>1 2025-03-01T10:00:00.250Z h app 812 ID47 [a",
            '<13>1 2025-03-01T10:00:00.250Z h app 812 ID47 [a b="',
            SYSLOG,
            "<13>",
            SYSLOG + "app: message repeated 2 times: [ ",
            "2025-03-01T10:00:00.250Z h ",
        ),
        ('[a b="c"]', ' b="c"', "[a", '\\"', "\\]", "message repeated 1 times: [", "<13>"),
    ),
    Case(
        "windows",
        '{"EventID": 4625, "Channel": "Security", "Hostname": "dc1", "SourceName": '
        '"Microsoft-Windows-Security-Auditing", "TargetUserName": "bob", "IpAddress": '
        '"10.0.0.1", "IpPort": "5000"}',
        ('{"EventID": 1, "Channel": "Security", "Data": "', '{"EventID": 1, "SourceName": "'),
        ("\\\\", '\\"', "\\u0041"),
        suffix='"}',
    ),
    Case(
        "json",
        '{"app": "dms", "ts": 1700000000, "user": "bob", "action": "view", "doc_id": "D-1"}',
        ('{"app": "dms", "user": "', '{"winlog": {"event_data": {"a": "', '{"a": "'),
        ("\\\\", '\\"', "\\u0041"),
        suffix='"}',
        hinted=True,
    ),
    Case(
        "ecs",
        '{"@timestamp": "2025-03-01T10:00:00Z", "event.action": "x", "user.name": "bob"}',
        ('{"@timestamp": "2025-03-01T10:00:00Z", "user.', '{"@timestamp": 0, "event.a'),
        (".", "\\\\", '\\"'),
        suffix='": 1}',
    ),
)
