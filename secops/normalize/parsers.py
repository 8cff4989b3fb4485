"""The parsers of text bodies and structured objects, and the program table of syslog.

``syslog`` looks up the parser of a message body here; ``registry`` names these
parsers (and syslog's own) for ``RawRecord.format_hint`` and auto-detection.
"""

from __future__ import annotations

from typing import Any

import orjson

from secops.normalize import (
    accounts,
    auditd,
    cef,
    dms,
    ecs,
    pam,
    portal,
    postgresql,
    sshd,
    sudo,
    web,
    windows,
)
from secops.normalize.base import Event, Parser
from secops.records import RawRecord


def parse_json_text(text: str, event: Event, record: RawRecord) -> bool:
    """A JSON object on one line: Windows, DMS or ECS pass-through."""
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return isinstance(obj, dict) and parse_object(obj, event, record)


def parse_object(obj: dict[str, Any], event: Event, record: RawRecord) -> bool:
    """A structured record of a known shape; sets ``event.dataset``."""
    for parser in (WINDOWS, DMS, ECS):
        assert parser.structured is not None
        if parser.structured(obj, event, record):
            event["event"].setdefault("dataset", parser.dataset)
            return True
    return False


SSHD = Parser("linux.sshd", sshd.parse)
SUDO = Parser("linux.sudo", sudo.parse_sudo)
SU = Parser("linux.su", sudo.parse_su)
PAM = Parser("linux.pam", pam.parse)
ACCOUNTS = Parser("linux.accounts", accounts.parse)
AUDITD = Parser("linux.auditd", auditd.parse)
NGINX_ACCESS = Parser("nginx.access", web.parse_access)
NGINX_ERROR = Parser("nginx.error", web.parse_nginx_error)
APACHE_ACCESS = Parser("apache.access", web.parse_access)
APACHE_ERROR = Parser("apache.error", web.parse_apache_error)
WEB = Parser("nginx.access", web.parse_any)
WINDOWS = Parser("windows", windows.parse, windows.parse_structured)
POSTGRESQL = Parser("postgresql", postgresql.parse)
CEF = Parser("cef", cef.parse)
DMS = Parser("parliament.dms", dms.parse, dms.parse_structured)
PORTAL = Parser("parliament.portal", portal.parse)
ECS = Parser("ecs", None, ecs.parse_structured)
JSON = Parser("json", parse_json_text, parse_object)

# syslog APP-NAME / TAG → parser of the body
PROGRAMS: dict[str, Parser] = {
    "sshd": SSHD,
    "sudo": SUDO,
    "su": SU,
    **dict.fromkeys(
        (
            "useradd",
            "usermod",
            "userdel",
            "groupadd",
            "groupmod",
            "groupdel",
            "passwd",
            "chpasswd",
            "gpasswd",
            "chage",
            "newusers",
        ),
        ACCOUNTS,
    ),
    "nginx": WEB,
    "httpd": WEB,
    "apache2": WEB,
    "apache": WEB,
    "postgres": POSTGRESQL,
    "postgresql": POSTGRESQL,
    "audispd": AUDITD,
    "auditd": AUDITD,
    "audit": AUDITD,
    "dms": DMS,
    "portal": PORTAL,
    "evoting": PORTAL,
}


def program_parser(program: str, body: str, *, pam_tag: bool = False) -> Parser | None:
    """The parser for a syslog body: by program name, else by what the body looks like.

    ``pam_tag`` says the tag was ``program(pam_unix)``, as old PAM wrote it.
    """
    parser = PROGRAMS.get(program)
    if parser is not None:
        return parser
    if pam_tag:
        return PAM
    first = body[:1]
    if first == "{":
        return JSON
    if body.startswith("CEF:"):
        return CEF
    if body.startswith("pam_"):
        return PAM
    if "msg=audit(" in body:
        return AUDITD
    return None
