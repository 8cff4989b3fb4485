"""Rules and filters for the tests of tuning (Sigma filters, per-rule overrides)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from secops.detect.engine import DetectionEngine

DELETE = """title: Document deleted
id: 5b0c1f1e-1111-4111-8111-111111111111
name: dms_delete
logsource: {product: parliament, service: dms}
detection:
    sel:
        event.action: delete
    condition: sel
level: high
"""

# The same condition under another id: a filter naming the first must leave it alone.
DELETE_TWIN = DELETE.replace("1111-4111-8111-111111111111", "2222-4222-8222-222222222222").replace(
    "name: dms_delete", "name: dms_delete_twin"
)

BACKUP_FILTER = """title: The backup account deletes old drafts
id: 7a7a7a7a-0000-4000-8000-000000000001
logsource: {product: parliament, service: dms}
filter:
    rules:
        - dms_delete
    known_good:
        user.name|startswith: backup_
    condition: not known_good
"""


def write(tmp_path: Path, **files: str) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def event(user: str, action: str = "delete") -> dict[str, Any]:
    return {
        "event": {"dataset": "parliament.dms", "action": action},
        "user": {"name": user},
    }


def fired(engine: DetectionEngine, event: dict[str, Any]) -> list[str]:
    return sorted(m.rule.name or m.rule.id for m in engine.match(event, "e1"))
