"""Document-management system access audit (dataset ``parliament.dms``).

Spec: ``PARLIAMENT_FORMATS.md``. A JSON object with ``"app": "dms"`` or a
key=value line starting ``app=dms``. Fills user.name, user.roles, source.ip,
event.action, event.outcome, event.category ["file"], event.type, event.reason,
``parliament.document.{id,classification,committee}``,
``parliament.user.clearance``, ``parliament.result``, ``parliament.session_id``.
"""

from __future__ import annotations

from typing import Any

from secops.normalize.base import Event, parse_kv, set_source_addr, set_timestamp, set_user, sub
from secops.normalize.timefmt import iso_from_iso
from secops.records import RawRecord
from secops.times import iso_millis

CLASSIFICATIONS = ("public", "internal", "confidential", "secret")
ACTIONS = ("view", "download", "print", "export", "share", "delete")
RESULTS = {"success": "success", "denied": "failure", "error": "unknown"}


def is_dms(obj: dict[str, Any]) -> bool:
    """True for a DMS audit object."""
    return obj.get("app") == "dms"


def parse_structured(obj: dict[str, Any], event: Event, record: RawRecord) -> bool:
    """One DMS audit record as an object (from JSON or from a key=value line)."""
    if not is_dms(obj):
        return False

    def text(key: str) -> str | None:
        value = obj.get(key)
        return None if value in (None, "", "-") else str(value)

    ts = obj.get("ts")
    if isinstance(ts, int | float):
        set_timestamp(event, iso_millis, ts)
    elif ts not in (None, ""):
        set_timestamp(event, iso_from_iso, ts)
    set_user(event, text("user"))
    roles = obj.get("role")
    if isinstance(roles, str) and roles:
        roles = roles.split(",")
    if isinstance(roles, list) and roles:
        sub(event, "user")["roles"] = [str(r).strip().lower() for r in roles]
    set_source_addr(event, text("client"))
    action = (text("action") or "").lower()
    result = (text("result") or "").lower()
    document: dict[str, str] = {}
    for key, name in (("doc_id", "id"), ("classification", "classification"),
                      ("committee", "committee")):  # fmt: skip
        value = text(key)
        if value is not None:
            document[name] = value if name == "id" else value.lower()
    parliament: dict[str, Any] = {"document": document}
    clearance = text("clearance")
    if clearance is not None:
        parliament["user"] = {"clearance": clearance.lower()}
    if result:
        parliament["result"] = result
    if text("session"):
        parliament["session_id"] = text("session")
    event["parliament"] = parliament
    ev = event["event"]
    ev["dataset"] = "parliament.dms"
    ev["category"] = ["file"]
    type_ = ["deletion"] if action == "delete" else ["access"]
    if result == "denied":
        type_.append("denied")
    ev["type"] = type_
    if action:
        ev["action"] = action
    ev["outcome"] = RESULTS.get(result, "unknown")
    if text("reason"):
        ev["reason"] = text("reason")
    doc_id = document.get("id", "?")
    event["message"] = f"{obj.get('user', '?')} {action or '?'} {doc_id}: {result or '?'}"
    return True


def parse(text: str, event: Event, record: RawRecord) -> bool:
    """A key=value line ``app=dms ts=... user=... ...`` (``app=dms`` optional via syslog)."""
    fields: dict[str, Any] = parse_kv(text, event)
    if "user" not in fields or "action" not in fields:
        return False
    fields.setdefault("app", "dms")
    if not parse_structured(fields, event, record):
        return False
    event["message"] = text
    return True
