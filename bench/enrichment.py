"""The enrich stage for the benchmarks: a directory of the events' own accounts.

Half of the accounts the events name go into the directory (the other half stay
unknown), so both paths of the stage are timed; the calendar and networks are
the defaults.
"""

from __future__ import annotations

import json
from typing import Any

from secops.enrich import Enricher
from secops.enrich.directory import Directory, Person
from secops.records import RawRecord, Source


def enricher_for(events: list[dict[str, Any]]) -> Enricher:
    names = sorted(
        {
            str(ev["user"]["name"])
            for ev in events
            if isinstance(ev.get("user"), dict) and isinstance(ev["user"].get("name"), str)
        }
    )
    people = [
        Person(user=f"p{i}", clearance="confidential", committees=("defence",), aliases=(name,))
        for i, name in enumerate(names[::2])
    ]
    directory = Directory.of(people, generation="bench")
    return Enricher(directory=lambda: directory)


def parliament_records(n: int) -> list[RawRecord]:
    """DMS access records of 160 people over a week (where the stage does the most)."""
    source = Source(input="http")
    out = []
    for i in range(n):
        fields = {
            "app": "dms", "ts": f"2026-06-0{1 + i % 7}T{i % 24:02d}:{i % 60:02d}:00Z",
            "user": f"user{i % 160}", "clearance": "confidential", "doc_id": f"DOC-{i % 900}",
            "classification": ("public", "internal", "confidential", "secret")[i % 4],
            "committee": ("defence", "budget", "health")[i % 3], "action": "view",
            "result": "success", "client": f"10.0.{i % 7}.{i % 200}",
        }  # fmt: skip
        out.append(RawRecord(source=source, received_at=0.0, message=json.dumps(fields)))
    return out
