"""PAM messages: ``pam_unix(service:type): ...`` from any program (dataset ``linux.pam``).

sshd, sudo and su call :func:`fill` themselves, so that their PAM lines keep their
own dataset. Fills: user.name, source.ip/domain (rhost), event.action
(session_opened, session_closed, authentication_failure, user_unknown,
password_changed, ...), event.outcome, ``system.auth.pam.{module,service,type}``.
"""

from __future__ import annotations

import re

from secops.normalize.base import (
    Event,
    add_related,
    classify,
    parse_kv,
    set_source_addr,
    set_user,
    sub,
)
from secops.records import RawRecord

_PREFIX = re.compile(r"^(pam_\w+)\(([^:)]+):(\w+)\): (.*)$", re.DOTALL)
_OPENED = re.compile(r"^session opened for user (\S+?)(?:\(uid=\d+\))? by ([^\s(]*)\(uid=(\d+)\)")
_CLOSED = re.compile(r"^session closed for user (\S+)")
_AUTH_FAIL = re.compile(r"^(?:(\d+) more )?authentication failures?; (.*)$")
_PASSWORD = re.compile(r"^password changed for (\S+)")
_NOT_MET = re.compile(r'^requirement ".*" not met by user "([^"]*)"')


def fill(body: str, event: Event) -> bool:
    """Fill PAM fields from ``body``; False when it is not a PAM message."""
    module = service = kind = None
    m = _PREFIX.match(body)
    if m is not None:
        module, service, kind, body = m.groups()
    elif body.startswith("PAM "):
        body = body[4:]
    ok = _fill_message(body, event)
    if module is None:
        return ok
    pam = {"module": module, "service": service, "type": kind}
    sub(sub(event, "system"), "auth")["pam"] = pam
    if not ok:
        classify(event, ["authentication"], ["info"])
    return True


def _fill_message(body: str, event: Event) -> bool:
    if m := _OPENED.match(body):
        set_user(event, m.group(1))
        if m.group(2):  # the account that opened the session
            sub(sub(event, "source"), "user")["name"] = m.group(2)
            add_related(event, "user", m.group(2))
        classify(event, ["session"], ["start"], "session_opened", "success")
        return True
    if m := _CLOSED.match(body):
        set_user(event, m.group(1))
        classify(event, ["session"], ["end"], "session_closed", "success")
        return True
    if m := _AUTH_FAIL.match(body):
        kv = parse_kv(m.group(2))
        set_user(event, kv.get("user"))
        set_source_addr(event, kv.get("rhost"))
        if m.group(1):
            sub(event, "secops")["repeat_count"] = int(m.group(1))
        classify(event, ["authentication"], ["info"], "authentication_failure", "failure")
        return True
    if body.startswith("check pass; user unknown"):
        classify(event, ["authentication"], ["info"], "user_unknown", "failure")
        return True
    if m := _PASSWORD.match(body):
        set_user(event, m.group(1))
        classify(event, ["iam"], ["user", "change"], "password_changed", "success")
        return True
    if m := _NOT_MET.match(body):
        set_user(event, m.group(1))
        classify(event, ["authentication"], ["info"], "requirement_not_met", "failure")
        return True
    return False


def parse(text: str, event: Event, record: RawRecord) -> bool:
    """Program parser for PAM lines of programs without their own parser."""
    return fill(text, event)
