"""PostgreSQL server log lines, with pgaudit (dataset ``postgresql``).

``2024-03-01 10:00:00.123 UTC [4242] alice@ledger LOG:  statement: select 1``; the
part between ``[pid]`` and the level may hold ``user@db`` or
``user=..,db=..,app=..,client=..`` (common ``log_line_prefix`` settings). Through
syslog the header is the syslog one and the body starts at ``[N-M]`` or the prefix.
Fills user.name, source.ip (client/host), process.pid, log.level,
``postgresql.log.{database_name,application_name,query,duration_ms,error_severity,
session_line}``, event.action, event.outcome (authentication messages),
``pgaudit.{audit_type,statement_id,substatement_id,class,command,object_type,
object_name,statement,parameter}``, event.category ["database"].
"""

from __future__ import annotations

import csv
import re

from secops.normalize.base import Event, classify, set_source_addr, set_user, sub
from secops.normalize.timefmt import iso_from_iso
from secops.records import RawRecord

_LEVELS = r"(LOG|ERROR|WARNING|FATAL|PANIC|STATEMENT|DETAIL|HINT|NOTICE|INFO|CONTEXT|DEBUG\d?)"
_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)(?: ([A-Z]{2,5}|[+-]\d\d(?::?\d\d)?))?"
    r" \[(\d+)\](?:: \[\d+-\d+\])?:? ?(.*?)" + _LEVELS + r":  (.*)$",
    re.DOTALL,
)
_SYSLOG_BODY = re.compile(r"^(?:\[(\d+)-(\d+)\] )?(.*?)" + _LEVELS + r":  (.*)$", re.DOTALL)
_USER_AT_DB = re.compile(r"(?:^|\s)([\w.-]+)@([\w.-]+)(?:\s|$)")
_PREFIX_KV = re.compile(r"(user|db|app|client|host)=([^,\s]*)")
_CONN_AUTH = re.compile(r"^connection authorized: user=(\S+)(?: database=(\S+))?")
_CONN_RECV = re.compile(r"^connection received: host=(\S+?)(?: port=(\d+))?$")
_AUTH_FAIL = re.compile(r'^password authentication failed for user "([^"]*)"')
_NO_ENTRY = re.compile(r'^no pg_hba\.conf entry for host "([^"]*)", user "([^"]*)"')
_DURATION = re.compile(
    r"^duration: ([\d.]+) ms(?:  (?:statement|execute [^:]*): (.*))?$", re.DOTALL
)
_PGAUDIT_KEYS = (
    "audit_type", "statement_id", "substatement_id", "class", "command",
    "object_type", "object_name", "statement", "parameter",
)  # fmt: skip


def _prefix(prefix: str, event: Event, log: dict[str, object]) -> None:
    prefix = prefix.strip()
    if not prefix:
        return
    kv = dict(_PREFIX_KV.findall(prefix))
    if kv:
        set_user(event, kv.get("user") or None)
        if kv.get("db"):
            log["database_name"] = kv["db"]
        if kv.get("app"):
            log["application_name"] = kv["app"]
        client = kv.get("client") or kv.get("host")
        if client and client != "[local]":
            set_source_addr(event, client.split("(")[0])
        return
    m = _USER_AT_DB.search(prefix)
    if m is not None:
        set_user(event, m.group(1))
        log["database_name"] = m.group(2)


def _message(level: str, msg: str, event: Event, log: dict[str, object]) -> None:
    log["error_severity"] = level
    sub(event, "log")["level"] = level.lower()
    event["message"] = msg
    classify(event, ["database"], ["info"])
    if msg.startswith("AUDIT: "):
        row = next(csv.reader([msg[7:]]), [])
        pgaudit = {k: v for k, v in zip(_PGAUDIT_KEYS, row, strict=False) if v != ""}
        event["pgaudit"] = pgaudit
        if "statement" in pgaudit:
            log["query"] = pgaudit["statement"]
        if "command" in pgaudit:
            event["event"]["action"] = pgaudit["command"].lower()
        classify(event, ["database"], ["access"])
    elif msg.startswith("statement: "):
        log["query"] = msg[11:]
        event["event"]["action"] = "statement"
    elif m := _DURATION.match(msg):
        log["duration_ms"] = float(m.group(1))
        if m.group(2):
            log["query"] = m.group(2)
    elif m := _CONN_AUTH.match(msg):
        set_user(event, m.group(1))
        if m.group(2):
            log["database_name"] = m.group(2)
        classify(event, ["authentication", "database"], ["start"], "connection_authorized",
                 "success")  # fmt: skip
    elif m := _CONN_RECV.match(msg):
        set_source_addr(event, m.group(1), m.group(2))
        classify(event, ["network", "database"], ["connection"], "connection_received")
    elif m := _AUTH_FAIL.match(msg):
        set_user(event, m.group(1))
        classify(event, ["authentication", "database"], ["info"], "authentication_failed",
                 "failure")  # fmt: skip
    elif m := _NO_ENTRY.match(msg):
        set_source_addr(event, m.group(1))
        set_user(event, m.group(2))
        classify(event, ["authentication", "database"], ["denied"], "connection_rejected",
                 "failure")  # fmt: skip


def parse(text: str, event: Event, record: RawRecord) -> bool:
    """A PostgreSQL log line (own timestamp, or a syslog body)."""
    log: dict[str, object] = {}
    m = _LINE.match(text)
    if m is not None:
        ts, tz, pid, prefix, level, msg = m.groups()
        iso = ts.replace(" ", "T")
        if tz and tz[0] in "+-":
            iso += tz if ":" in tz or len(tz) == 3 else f"{tz[:3]}:{tz[3:]}"
        # zone names other than UTC/GMT cannot be resolved offline: read as UTC
        event["@timestamp"] = iso_from_iso(iso if tz and tz[0] in "+-" else iso + "Z")
        sub(event, "process")["pid"] = int(pid)
    else:
        s = _SYSLOG_BODY.match(text)
        if s is None:
            return False
        _session, line, prefix, level, msg = s.groups()
        if line:
            log["session_line"] = int(line)
    _prefix(prefix, event, log)
    _message(level, msg, event, log)
    event["postgresql"] = {"log": log}
    event["event"]["dataset"] = "postgresql"
    return True
