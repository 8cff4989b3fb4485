"""The people directory's service functions: import (atomic, audited), read, load.

Every import is recorded in the audit trail, accepted (``context.people.import``,
with the counts and the file's SHA-256) or rejected (outcome ``failure``, with the
number of rejected rows). The pipeline follows the current generation on its own
(:mod:`secops.enrich.live`).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import UTC, datetime

from secops import audit
from secops.audit.service import Actor
from secops.context import Context
from secops.enrich.directory import Directory, DirectoryRejectedError, Person, parse_people
from secops.enrich.models import DirectoryInfo, ImportReport, PeopleView
from secops.errors import UnavailableError
from secops.store.people import (
    current_pointer,
    drop_generations,
    import_lock,
    read_generation,
    set_current,
    write_generation,
)

ACTION = "context.people.import"
TARGET = "context:people"


def _new_generation() -> str:
    return f"{int(time.time() * 1000):013d}-{secrets.token_hex(4)}"


def import_people(ctx: Context, *, text: str, source: str, actor: Actor | str) -> ImportReport:
    """Replace the directory with the people of a CSV text, all or nothing.

    Raises :class:`DirectoryRejectedError` (every bad row as ``SOURCE:LINE: reason``)
    and leaves the current directory untouched when any row is bad.
    """
    digest = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()
    try:
        people = parse_people(text, source=source)
    except DirectoryRejectedError as exc:
        audit.record(
            ctx,
            actor=actor,
            action=ACTION,
            target=TARGET,
            outcome="failure",
            details={"source": source, "sha256": digest, "rejected_rows": len(exc.rows)},
        )
        raise
    name = actor if isinstance(actor, str) else actor.name
    with import_lock(ctx.es, ctx.names, owner=name):
        before = current_pointer(ctx.es, ctx.names)
        generation = _new_generation()
        docs = [
            {**person.model_dump(mode="json"), "clearance_rank": person.clearance_rank, "line": i}
            for i, person in enumerate(people)
        ]
        write_generation(ctx.es, ctx.names, generation=generation, people=docs)
        info = DirectoryInfo(
            generation=generation,
            count=len(people),
            sha256=digest,
            source=source,
            loaded_at=datetime.now(UTC),
            loaded_by=name,
        )
        set_current(ctx.es, ctx.names, pointer=info.model_dump(mode="json"))
        drop_generations(ctx.es, ctx.names, keep=generation)
    report = ImportReport(
        directory=info,
        previous_generation=before.get("generation") if before else None,
        previous_count=int(before.get("count", 0)) if before else 0,
    )
    audit.record(
        ctx,
        actor=actor,
        action=ACTION,
        target=TARGET,
        outcome="success",
        details={
            "source": source,
            "sha256": digest,
            "generation": generation,
            "count": len(people),
            "previous_generation": report.previous_generation,
            "previous_count": report.previous_count,
        },
    )
    return report


def current_info(ctx: Context) -> DirectoryInfo | None:
    pointer = current_pointer(ctx.es, ctx.names)
    return None if pointer is None else DirectoryInfo.model_validate(pointer)


def _person(doc: dict[str, object]) -> Person:
    fields = {k: v for k, v in doc.items() if k in Person.model_fields}
    return Person.model_validate(fields)


def load_people(ctx: Context) -> tuple[DirectoryInfo | None, list[Person]]:
    """The current directory and its people; re-read when an import replaced it meanwhile."""
    for _ in range(5):
        info = current_info(ctx)
        if info is None:
            return None, []
        docs = read_generation(ctx.es, ctx.names, generation=info.generation)
        if len(docs) == info.count:
            return info, [_person(d) for d in docs]
    raise UnavailableError("the people directory is being replaced; try again")


def list_people(ctx: Context) -> PeopleView:
    info, people = load_people(ctx)
    return PeopleView(directory=info, people=people)


def load_directory(ctx: Context) -> Directory:
    info, people = load_people(ctx)
    return Directory.of(people, generation=info.generation if info else "")
