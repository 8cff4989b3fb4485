"""The closed parser registry and auto-detection.

Names in ``PARSERS`` are what ``RawRecord.format_hint`` may say; the parsers and the
program table of syslog live in ``parsers``. Nothing here imports a dotted path taken
from data.
"""

from __future__ import annotations

from secops.normalize import syslog, web
from secops.normalize.base import Event, Parser
from secops.normalize.parsers import (
    ACCOUNTS,
    APACHE_ACCESS,
    APACHE_ERROR,
    AUDITD,
    CEF,
    DMS,
    ECS,
    JSON,
    NGINX_ACCESS,
    NGINX_ERROR,
    PAM,
    PORTAL,
    POSTGRESQL,
    PROGRAMS,
    SSHD,
    SU,
    SUDO,
    WEB,
    WINDOWS,
    parse_object,
)
from secops.records import RawRecord

__all__ = ["PARSERS", "PROGRAMS", "detect_text", "parse_object"]


SYSLOG = Parser("syslog", syslog.parse)

PARSERS: dict[str, Parser] = {
    p.dataset: p
    for p in (
        SSHD,
        SUDO,
        SU,
        PAM,
        ACCOUNTS,
        AUDITD,
        NGINX_ACCESS,
        NGINX_ERROR,
        APACHE_ERROR,
        WINDOWS,
        POSTGRESQL,
        CEF,
        DMS,
        PORTAL,
        ECS,
        SYSLOG,
        JSON,
    )
}
PARSERS["apache.access"] = APACHE_ACCESS
# short names a sender may use
PARSERS.update(
    {
        "sshd": SSHD,
        "sudo": SUDO,
        "su": SU,
        "pam": PAM,
        "auditd": AUDITD,
        "nginx": WEB,
        "apache": Parser("apache.access", web.parse_any),
        "evtx": WINDOWS,
        "winlogbeat": WINDOWS,
        "nxlog": WINDOWS,
        "dms": DMS,
        "portal": PORTAL,
        "evoting": PORTAL,
    }
)


def detect_text(text: str, event: Event, record: RawRecord) -> Parser | None:
    """Try the parsers a line can belong to, cheapest tests first; the one that took it."""
    first = text[:1]
    candidates: tuple[Parser, ...]
    if first == "{":
        candidates = (JSON,)
    elif first == "<":
        candidates = (SYSLOG, CEF)
    elif first == "[":
        candidates = (APACHE_ERROR,)
    elif text.startswith(("type=", "node=")):
        candidates = (AUDITD,)
    elif text.startswith("CEF:"):
        candidates = (CEF,)
    elif text.startswith("app=dms "):
        candidates = (DMS,)
    elif text.startswith(("portal ", "evoting ")):
        candidates = (PORTAL, WEB)
    elif first.isdigit():
        if text[4:5] == "/":
            candidates = (NGINX_ERROR,)
        elif text[4:5] == "-" and text[10:11] == " ":
            candidates = (POSTGRESQL,)
        elif text[4:5] == "-":
            candidates = (SYSLOG,)
        else:
            candidates = (NGINX_ACCESS,)
    else:
        candidates = (SYSLOG, NGINX_ACCESS, CEF)
    for parser in candidates:
        assert parser.text is not None
        if parser.text(text, event, record):
            return parser
    return None
