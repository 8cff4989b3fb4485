"""sudo (dataset ``linux.sudo``) and su (dataset ``linux.su``).

sudo fills user.name (the invoking user), user.effective.name (USER=),
``system.auth.sudo.{command,pwd,tty,user,group,error}``
as Elastic does, related.user, event.category ["process"], event.type ["start"],
event.action (sudo_command, sudo_denied, sudo_auth_failure), event.outcome.
su fills user.name (who switched), user.effective.name (target), event.action
(su, su_failed), event.outcome. PAM lines of either go through the PAM parser.
"""

from __future__ import annotations

import re

from secops.normalize import pam
from secops.normalize.base import Event, add_related, classify, set_user, sub
from secops.records import RawRecord

_SUDO_KEYS = {"TTY": "tty", "PWD": "pwd", "USER": "user", "GROUP": "group"}
_SU_ARROW = re.compile(r"^([+-]) (\S+) (\S+?):(\S+)$")
_SU_WORDS = re.compile(r"^(Successful|FAILED) su for (\S+) by (\S+)")
_SU_TO = re.compile(r"^(FAILED SU )?\(to (\S+)\) (\S+) on (\S+)")


def parse_sudo(text: str, event: Event, record: RawRecord) -> bool:
    """Fill sudo fields; PAM lines go to the PAM parser; any sudo line is accepted."""
    if text.startswith("pam_"):
        if not pam.fill(text, event):
            classify(event, ["authentication"], ["info"])
        return True
    user, sep, rest = text.partition(" : ")
    if not sep:
        classify(event, ["process"], ["info"])
        return True
    cmd_at = rest.find("COMMAND=")
    head = rest[:cmd_at] if cmd_at >= 0 else rest
    info: dict[str, str] = {}
    errors: list[str] = []
    for part in head.split(" ; "):
        part = part.strip(" ;")
        if not part:
            continue
        key, eq, value = part.partition("=")
        if eq and key in _SUDO_KEYS:
            info[_SUDO_KEYS[key]] = value
        elif not eq:
            errors.append(part)
    if cmd_at >= 0:
        info["command"] = rest[cmd_at + 8 :]
    set_user(event, user.strip())
    if "user" in info:
        sub(sub(event, "user"), "effective")["name"] = info["user"]
        add_related(event, "user", info["user"])
    if errors:
        info["error"] = "; ".join(errors)
    sub(sub(event, "system"), "auth")["sudo"] = info
    if not errors:
        classify(event, ["process"], ["start"], "sudo_command", "success")
    elif "incorrect password" in info["error"]:
        classify(event, ["authentication"], ["info"], "sudo_auth_failure", "failure")
    else:
        classify(event, ["process"], ["start", "denied"], "sudo_denied", "failure")
    return True


def parse_su(text: str, event: Event, record: RawRecord) -> bool:
    """Fill su fields (shadow-utils and util-linux message styles)."""
    if text.startswith("pam_") or text.startswith("session ") or "authentication failure" in text:
        if not pam.fill(text, event):
            classify(event, ["authentication"], ["info"])
        return True
    target = by = None
    ok = True
    if m := _SU_ARROW.match(text):
        ok, by, target = m.group(1) == "+", m.group(3), m.group(4)
    elif m := _SU_WORDS.match(text):
        ok, target, by = m.group(1) == "Successful", m.group(2), m.group(3)
    elif m := _SU_TO.match(text):
        ok, target, by = not m.group(1), m.group(2), m.group(3)
    if by is None:
        classify(event, ["authentication"], ["info"])
        return True
    set_user(event, by)
    sub(sub(event, "user"), "effective")["name"] = target
    add_related(event, "user", target)
    if ok:
        classify(event, ["authentication", "session"], ["start"], "su", "success")
    else:
        classify(event, ["authentication"], ["info"], "su_failed", "failure")
    return True
