"""Account management by shadow-utils (dataset ``linux.accounts``).

Programs: useradd, usermod, userdel, groupadd, groupmod, groupdel, passwd,
chpasswd, gpasswd, chage. Fills user.name / user.id (the account acted on),
group.name / group.id, event.category ["iam"], event.type (["user", "creation"],
["group", "deletion"], ...), event.action (user_created, group_created,
user_deleted, group_deleted, user_modified, group_modified, password_changed,
group_member_added, group_member_removed), event.outcome.
"""

from __future__ import annotations

import re

from secops.normalize import pam
from secops.normalize.base import Event, classify, set_user, sub, to_int
from secops.records import RawRecord

_FIELDS = re.compile(r"(\w+)=([^,]*)")
_QUOTED = re.compile(r"'([^']*)'")

# (phrase at the start of the message, action, ECS type)
_PHRASES: tuple[tuple[str, str, list[str]], ...] = (
    ("new user", "user_created", ["user", "creation"]),
    ("new group", "group_created", ["group", "creation"]),
    ("new account added", "user_created", ["user", "creation"]),
    ("delete user", "user_deleted", ["user", "deletion"]),
    ("removed group", "group_deleted", ["group", "deletion"]),
    ("group '", "group_deleted", ["group", "deletion"]),
    ("remove group", "group_deleted", ["group", "deletion"]),
    ("add '", "group_member_added", ["group", "change"]),
    ("add member", "group_member_added", ["group", "change"]),
    ("delete '", "group_member_removed", ["group", "change"]),
    ("change user", "user_modified", ["user", "change"]),
    ("lock user", "user_modified", ["user", "change"]),
    ("unlock user", "user_modified", ["user", "change"]),
    ("changed password", "password_changed", ["user", "change"]),
    ("password changed", "password_changed", ["user", "change"]),
    ("group changed", "group_modified", ["group", "change"]),
)


def parse(text: str, event: Event, record: RawRecord) -> bool:
    """Fill account-management fields; any line of these programs is accepted."""
    if text.startswith("pam_") and pam.fill(text, event):
        return True
    found = next((p for p in _PHRASES if text.startswith(p[0])), None)
    if found is None:
        classify(event, ["iam"], ["info"])
        return True
    _, action, type_ = found
    fields = dict(_FIELDS.findall(text))
    names = _QUOTED.findall(text)
    is_group = type_[0] == "group"
    name = fields.get("name") or (names[0] if names else None)
    if action.startswith("group_member"):
        set_user(event, names[0] if names else None)
        if len(names) > 1:
            sub(event, "group")["name"] = names[1]
    elif is_group:
        if name:
            sub(event, "group")["name"] = name
    else:
        set_user(event, name)
        uid = to_int(fields.get("UID"))
        if uid is not None:
            event["user"]["id"] = str(uid)
    gid = to_int(fields.get("GID"))
    if gid is not None:
        sub(event, "group")["id"] = str(gid)
    classify(event, ["iam"], type_, action, "success")
    return True
