"""OpenSSH server messages (dataset ``linux.sshd``).

Fills: source.ip/port (or source.domain), user.name, related.ip/user,
event.category ["authentication"], event.type, event.action (ssh_login,
ssh_failed_login, ssh_invalid_user, ssh_disconnect, ssh_connection_closed,
ssh_possible_break_in, ssh_no_identification, ssh_too_many_failures,
ssh_max_retries, ssh_connection_error), event.outcome,
``system.auth.ssh.{method,signature,invalid_user,preauth}``; PAM lines via
:mod:`secops.normalize.pam`.
"""

from __future__ import annotations

import re

from secops.normalize import pam
from secops.normalize.base import Event, classify, set_source_addr, set_user, sub, to_int
from secops.records import RawRecord

_ACCEPTED = re.compile(r"^Accepted (\S+) for (\S+) from (\S+) port (\d+)(?: \S+)?(?:: (.*))?$")
_FAILED = re.compile(r"^Failed (\S+) for (invalid user )?(.*?) from (\S+) port (\d+)")
_INVALID = re.compile(r"^Invalid user (.*?) from (\S+)(?: port (\d+))?")
_INPUT_INVALID = re.compile(r"^input_userauth_request: invalid user (.*?)(?: \[preauth\])?$")
_DISCONNECTED = re.compile(
    r"^Disconnected from (?:(invalid |authenticating )?user (\S+) )?(\S+)(?: port (\d+))?"
)
_CLOSED = re.compile(
    r"^Connection (?:closed|reset) by (?:(invalid |authenticating )?user (\S+) )?(\S+)"
    r"(?: port (\d+))?"
)
_RECEIVED = re.compile(r"^Received disconnect from (\S+?)(?: port (\d+))?: ?(\d+): (.*?)$")
_BREAK_IN = re.compile(
    r"^(?:reverse mapping checking getaddrinfo for|Address) (\S+) \[?(\S+?)\]? "
    r".*POSSIBLE BREAK-IN ATTEMPT"
)
_NO_IDENT = re.compile(r"^Did not receive identification string from (\S+)(?: port (\d+))?")
_TOO_MANY = re.compile(
    r"^Disconnecting(?: (?:invalid |authenticating )?user (\S+) (\S+) port (\d+))?: "
    r"Too many authentication failures(?: for (?:invalid user )?(\S+))?"
)
_MAX_RETRIES = re.compile(r"^PAM service\(sshd\) ignoring max retries")
_PAM_NOT_KNOWN = re.compile(
    r"^PAM: (User not known to the underlying authentication module|Authentication failure)"
    r" for (illegal user )?(\S+) from (\S+)"
)

_AUTH = ["authentication"]


def parse(text: str, event: Event, record: RawRecord) -> bool:
    """Fill sshd fields; every sshd line is accepted (unknown ones keep only the header)."""
    preauth = text.endswith(" [preauth]")
    if preauth:
        text = text[:-10]
        _ssh(event)["preauth"] = True
    if text.startswith("error: "):
        text = text[7:]
    first = text[: text.find(" ")]
    handler = _BY_FIRST_WORD.get(first)
    if handler is not None and handler(text, event):
        return True
    if pam.fill(text, event):  # "pam_unix(sshd:auth): ..." or old "sshd(pam_unix)" bodies
        return True
    if text.startswith("fatal: "):
        classify(event, ["network"], ["error"], "ssh_connection_error", "failure")
        return True
    classify(event, _AUTH, ["info"])
    return True


def _ssh(event: Event) -> dict[str, object]:
    return sub(sub(sub(event, "system"), "auth"), "ssh")


def _accepted(text: str, event: Event) -> bool:
    m = _ACCEPTED.match(text)
    if m is None:
        return False
    method, user, ip, port, signature = m.groups()
    set_user(event, user)
    set_source_addr(event, ip, port)
    ssh = _ssh(event)
    ssh["method"] = method
    if signature:
        ssh["signature"] = signature
    classify(event, ["authentication", "session"], ["start"], "ssh_login", "success")
    return True


def _failed(text: str, event: Event) -> bool:
    m = _FAILED.match(text)
    if m is None:
        return False
    method, invalid, user, ip, port = m.groups()
    set_user(event, user)
    set_source_addr(event, ip, port)
    ssh = _ssh(event)
    ssh["method"] = method
    if invalid:
        ssh["invalid_user"] = True
    classify(event, _AUTH, ["info"], "ssh_failed_login", "failure")
    return True


def _invalid(text: str, event: Event) -> bool:
    m = _INVALID.match(text)
    if m is None:
        return False
    set_user(event, m.group(1))
    set_source_addr(event, m.group(2), m.group(3))
    _ssh(event)["invalid_user"] = True
    classify(event, _AUTH, ["info"], "ssh_invalid_user", "failure")
    return True


def _input_userauth(text: str, event: Event) -> bool:
    m = _INPUT_INVALID.match(text)
    if m is None:
        return False
    set_user(event, m.group(1))
    _ssh(event)["invalid_user"] = True
    classify(event, _AUTH, ["info"], "ssh_invalid_user", "failure")
    return True


def _session_end(m: re.Match[str], event: Event, action: str) -> bool:
    """A peer gone: ``[invalid |authenticating ]user <name> <ip> [port <port>]``."""
    invalid, user, ip, port = m.groups()
    set_user(event, user)
    set_source_addr(event, ip, port)
    if invalid == "invalid ":
        _ssh(event)["invalid_user"] = True
    classify(event, ["session"], ["end"], action)
    return True


def _disconnect(text: str, event: Event) -> bool:
    m = _DISCONNECTED.match(text)
    if m is None:
        return _too_many(text, event)
    return _session_end(m, event, "ssh_disconnect")


def _connection(text: str, event: Event) -> bool:
    m = _CLOSED.match(text)
    if m is None:
        return False
    return _session_end(m, event, "ssh_connection_closed")


def _received(text: str, event: Event) -> bool:
    m = _RECEIVED.match(text)
    if m is None:
        return False
    ip, port, code, reason = m.groups()
    set_source_addr(event, ip, port)
    ssh = _ssh(event)
    ssh["disconnect_code"] = to_int(code)
    ssh["disconnect_reason"] = reason
    classify(event, ["session"], ["end"], "ssh_disconnect")
    return True


def _break_in(text: str, event: Event) -> bool:
    m = _BREAK_IN.match(text)
    if m is None:
        return False
    name, ip = m.groups()
    set_source_addr(event, ip)
    sub(event, "source")["domain"] = name
    classify(event, ["network", "intrusion_detection"], ["info"], "ssh_possible_break_in")
    return True


def _no_ident(text: str, event: Event) -> bool:
    m = _NO_IDENT.match(text)
    if m is None:
        return False
    set_source_addr(event, m.group(1), m.group(2))
    classify(event, ["network"], ["connection"], "ssh_no_identification", "failure")
    return True


def _too_many(text: str, event: Event) -> bool:
    m = _TOO_MANY.match(text)
    if m is None:
        return False
    user, ip, port, for_user = m.groups()
    set_user(event, user or for_user)
    set_source_addr(event, ip, port)
    classify(event, _AUTH, ["info"], "ssh_too_many_failures", "failure")
    return True


def _pam_summary(text: str, event: Event) -> bool:
    if _MAX_RETRIES.match(text):
        classify(event, _AUTH, ["info"], "ssh_max_retries", "failure")
        return True
    m = _PAM_NOT_KNOWN.match(text)
    if m is not None:
        reason, illegal, user, host = m.groups()
        set_user(event, user)
        set_source_addr(event, host)
        unknown = reason.startswith("User") or illegal
        action = "ssh_invalid_user" if unknown else "ssh_failed_login"
        classify(event, _AUTH, ["info"], action, "failure")
        return True
    return pam.fill(text, event)


_BY_FIRST_WORD = {
    "Accepted": _accepted,
    "Failed": _failed,
    "Invalid": _invalid,
    "input_userauth_request:": _input_userauth,
    "Disconnected": _disconnect,
    "Disconnecting:": _too_many,
    "Disconnecting": _too_many,
    "Connection": _connection,
    "Received": _received,
    "reverse": _break_in,
    "Address": _break_in,
    "Did": _no_ident,
    "PAM": _pam_summary,
    "PAM:": _pam_summary,
}
