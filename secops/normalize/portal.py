"""Legislative portal and e-voting access log (dataset ``parliament.portal``).

Spec: ``PARLIAMENT_FORMATS.md``. A combined-log line preceded by the service and
followed by session, member, action, ballot and duration::

    evoting 10.20.0.17 - M0421 [12/Mar/2025:10:15:02 +0100] "POST /ballots/B-031/vote
    HTTP/1.1" 201 87 "-" "Mozilla/5.0" sid=8f2c1a action=vote_cast ballot=B-031 ms=42

Fills the access-log fields (see :mod:`secops.normalize.web`), user.name and
user.id (member id), event.action, event.duration (ns), ``parliament.service``,
``parliament.session_id``, ``parliament.vote.ballot_id``; event.category gains
"authentication" for login/logout actions.
"""

from __future__ import annotations

import re

from secops.normalize import web
from secops.normalize.base import Event, parse_kv
from secops.records import RawRecord

SERVICES = ("portal", "evoting")
_LINE = re.compile(r"^(portal|evoting) (.*)$", re.DOTALL)
AUTH_ACTIONS = frozenset(("login", "login_failed", "logout", "mfa_failed"))
_FAILED = ("_failed",)


def parse(text: str, event: Event, record: RawRecord) -> bool:
    """One portal/e-voting access line."""
    m = _LINE.match(text)
    if m is None:
        return False
    service, rest = m.groups()
    access = web.ACCESS.match(rest)
    if access is None:
        return False
    web.fill_access(access, event)
    trailer = parse_kv(access.group(11))
    user = event.get("user")
    if user and "name" in user:
        user["id"] = user["name"]
    parliament: dict[str, object] = {"service": service}
    if trailer.get("sid", "-") != "-":
        parliament["session_id"] = trailer["sid"]
    if trailer.get("ballot", "-") != "-":
        parliament["vote"] = {"ballot_id": trailer["ballot"]}
    event["parliament"] = parliament
    ev = event["event"]
    action = trailer.get("action", "-")
    if action != "-":
        ev["action"] = action
        if action in AUTH_ACTIONS:
            ev["category"] = ["web", "authentication"]
            ev["type"] = ["end"] if action == "logout" else ["start"]
        if action.endswith(_FAILED):
            ev["outcome"] = "failure"
    ms = trailer.get("ms", "")
    if ms.isdigit():
        ev["duration"] = int(ms) * 1_000_000
    ev["dataset"] = "parliament.portal"
    event["message"] = text
    return True
