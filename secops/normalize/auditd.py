"""Linux audit records (dataset ``linux.auditd``).

``[node=N ]type=T msg=audit(EPOCH:SERIAL): k=v ...``. Records sharing one
``audit(EPOCH:SERIAL)`` id form one event (:func:`build`). Fills
``auditd.log.record_types`` (list), ``auditd.log.sequence``, per record type
``auditd.<type lowercase>.<key>`` (the first record of a type; every PATH record
also in ``auditd.paths``), a merged ``auditd.log.<key>`` where EXECVE wins over
SYSCALL wins over the rest (hex-encoded values decoded), and process.executable,
process.name, process.args, process.command_line, process.pid, process.parent.pid,
process.working_directory, user.id (uid), user.audit.id (auid), user.name (acct),
source.ip (addr), event.outcome (success=yes/no, res=success/failed),
event.action (lowercased first record type), event.category.
"""

from __future__ import annotations

import re
from typing import Any

from secops.normalize.base import (
    FIELDS_TRUNCATED,
    MAX_FIELDS,
    Event,
    add_related,
    basename,
    degrade,
    set_source_addr,
    set_timestamp,
    set_user,
    sub,
    to_int,
)
from secops.records import RawRecord
from secops.times import iso_millis

_HEADER = re.compile(r"^(?:node=(\S+) )?type=(\S+) msg=audit\((\d+(?:\.\d+)?):(\d+)\): ?(.*)$")
# a key starts only where a run of key characters starts (see base._KV)
_KV = re.compile(r"""(?<![\w-])([\w-]++)=("[^"]*"|'[^']*'|\S*)""")
_HEX = re.compile(r"^(?:[0-9A-F]{2})+$")
# fields auditd writes hex-encoded when they hold untrusted bytes
_ENCODED = frozenset(("exe", "comm", "cwd", "name", "proctitle", "path", "cmd", "acct", "data"))
_CATEGORIES: dict[str, tuple[list[str], list[str]]] = {
    "SYSCALL": (["process"], ["info"]),
    "EXECVE": (["process"], ["start"]),
    "USER_AUTH": (["authentication"], ["info"]),
    "USER_LOGIN": (["authentication", "session"], ["start"]),
    "USER_LOGOUT": (["session"], ["end"]),
    "USER_START": (["session"], ["start"]),
    "USER_END": (["session"], ["end"]),
    "USER_ACCT": (["authentication"], ["info"]),
    "CRED_ACQ": (["authentication"], ["info"]),
    "CRED_DISP": (["authentication"], ["info"]),
    "CRED_REFR": (["authentication"], ["info"]),
    "LOGIN": (["authentication", "session"], ["start"]),
    "USER_CMD": (["process"], ["start"]),
    "ADD_USER": (["iam"], ["user", "creation"]),
    "DEL_USER": (["iam"], ["user", "deletion"]),
    "ADD_GROUP": (["iam"], ["group", "creation"]),
    "DEL_GROUP": (["iam"], ["group", "deletion"]),
    "USER_MGMT": (["iam"], ["change"]),
    "USER_CHAUTHTOK": (["iam"], ["user", "change"]),
    "CONFIG_CHANGE": (["configuration"], ["change"]),
    "SERVICE_START": (["process"], ["start"]),
    "SERVICE_STOP": (["process"], ["end"]),
    "DAEMON_START": (["process"], ["start"]),
    "DAEMON_END": (["process"], ["end"]),
    "ANOM_ABEND": (["process"], ["end"]),
    "AVC": (["process"], ["denied"]),
}


def audit_id(text: str) -> str | None:
    """The ``EPOCH:SERIAL`` id of an audit record, None when ``text`` is not one."""
    start = text.find("msg=audit(")
    if start < 0:
        return None
    end = text.find(")", start)
    return text[start + 10 : end] if end > 0 else None


def _decode(key: str, value: str, quoted: bool, in_execve: bool) -> str:
    if quoted or not value or not _HEX.match(value):
        return value
    if not (in_execve and key[:1] == "a" and key[1:].isdigit()) and key not in _ENCODED:
        return value
    raw = bytes.fromhex(value)
    if key == "proctitle":
        raw = raw.replace(b"\x00", b" ")
    return raw.decode("utf-8", "replace")


def parse_record(
    text: str, event: Event | None = None
) -> tuple[str | None, str, float, int, dict[str, str]] | None:
    """``(node, type, epoch, serial, fields)`` of one record, None if not an audit record.

    Past ``MAX_FIELDS`` fields the rest is left unread and ``event`` is tagged.
    """
    m = _HEADER.match(text)
    if m is None:
        return None
    node, rtype, epoch, serial, rest = m.groups()
    fields: dict[str, str] = {}
    in_execve = rtype == "EXECVE"
    budget = MAX_FIELDS
    for outer in _KV.finditer(rest):
        key, value = outer.groups()
        nested = key == "msg" and value[:1] == "'"  # user-space records nest their fields
        for m2 in _KV.finditer(value[1:-1]) if nested else (outer,):
            if budget == 0:
                if event is not None:
                    degrade(event, FIELDS_TRUNCATED, f"more than {MAX_FIELDS} audit fields")
                return node, rtype, float(epoch), to_int(serial) or 0, fields
            budget -= 1
            k2, v2 = m2.groups()
            fields[k2] = _value(k2, v2, in_execve)
    return node, rtype, float(epoch), to_int(serial) or 0, fields


def _value(key: str, value: str, in_execve: bool) -> str:
    quoted = value[:1] in ('"', "'") and len(value) >= 2
    if quoted:
        value = value[1:-1]
    return _decode(key, value, quoted, in_execve)


def build(texts: list[str], event: Event) -> bool:
    """Fill ``event`` from the records of one audit id; False if none is an audit record."""
    parsed = [p for p in (parse_record(t, event) for t in texts) if p is not None]
    if not parsed:
        return False
    node, _, epoch, serial, _ = parsed[0]
    types = [p[1] for p in parsed]
    per_type: dict[str, Any] = {}
    rest: dict[str, str] = {}
    syscall: dict[str, str] = {}
    execve: dict[str, str] = {}
    paths: list[dict[str, str]] = []
    for _, rtype, _, _, fields in parsed:
        if rtype == "SYSCALL":
            syscall = fields
        elif rtype == "EXECVE":
            execve = fields
        else:
            for k, v in fields.items():
                rest.setdefault(k, v)
        if rtype == "PATH":
            paths.append(fields)
        per_type.setdefault(rtype.lower(), fields)
    merged = {**rest, **syscall, **execve}
    auditd: dict[str, Any] = {
        "log": {**merged, "record_types": types, "sequence": serial},
        **per_type,
    }
    if paths:
        auditd["paths"] = paths
    event["auditd"] = auditd
    set_timestamp(event, iso_millis, epoch)
    if node:
        sub(event, "host")["name"] = node
    _ecs(event, types[0], merged, execve)
    return True


def _ecs(event: Event, first: str, merged: dict[str, str], execve: dict[str, str]) -> None:
    proc = sub(event, "process")
    exe = merged.get("exe")
    if exe and exe not in ("?", "(null)"):
        proc["executable"] = exe
        proc["name"] = basename(exe)
    if merged.get("comm"):
        proc["name"] = merged["comm"]
    if execve:
        args = [execve[f"a{i}"] for i in range(len(execve)) if f"a{i}" in execve]
        proc["args"] = args
        proc["args_count"] = len(args)
        proc["command_line"] = " ".join(args)
    elif "proctitle" in merged:
        proc["title"] = merged["proctitle"]
    for key, target in (("pid", proc), ("ppid", sub(proc, "parent"))):
        value = merged.get(key)
        if value and value.isdigit() and (pid := to_int(value)) is not None:
            target["pid"] = pid
    if not proc.get("parent"):
        proc.pop("parent", None)
    if merged.get("cwd"):
        proc["working_directory"] = merged["cwd"]
    if not proc:
        del event["process"]
    user = sub(event, "user")
    if "uid" in merged:
        user["id"] = merged["uid"]
    if "auid" in merged:
        user["audit"] = {"id": merged["auid"]}
    acct = merged.get("acct")
    if acct:
        set_user(event, acct)
    if not user:
        del event["user"]
    addr = merged.get("addr")
    if addr and addr != "?":
        set_source_addr(event, addr)
    hostname = merged.get("hostname")
    if hostname and hostname != "?":
        add_related(event, "hosts", hostname)
    ev = event["event"]
    category, type_ = _CATEGORIES.get(first, (["host"], ["info"]))
    ev["category"] = category
    ev["type"] = type_
    ev["action"] = first.lower()
    success, res = merged.get("success"), merged.get("res")
    if success in ("yes", "no"):
        ev["outcome"] = "success" if success == "yes" else "failure"
    elif res:
        ev["outcome"] = "success" if res in ("success", "1") else "failure"


def parse(text: str, event: Event, record: RawRecord) -> bool:
    """One line holding one audit record (or several, newline-separated, of one id)."""
    return build(text.splitlines() if "\n" in text else [text], event)
