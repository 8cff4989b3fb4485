"""The enrich stage: a batch of ECS events in, the same events with context added.

:func:`enrich_events` is the stage itself: given the directory, the calendar, the
internal networks and the first-seen state (passed explicitly), it adds the fields
of ``FIELDS.md`` to each event in place. Nothing is ever dropped: an account the
directory does not know is marked ``secops.person.known: false`` and tagged
``person_unknown``. :class:`Enricher` bundles what the pipeline keeps between
batches: where the current directory comes from, and the state it checkpoints.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from secops.enrich.calendar import WorkCalendar, epoch_of
from secops.enrich.directory import CLEARANCE_RANKS, Directory, Person
from secops.enrich.first_seen import FirstSeen
from secops.enrich.networks import DEFAULT_INTERNAL, InternalNetworks

log = logging.getLogger(__name__)

Event = dict[str, Any]
UNKNOWN_TAG = "person_unknown"
FAILED_TAG = "enrich_failed"


@dataclass
class EnrichmentState:
    """What the stage carries from batch to batch, checkpointed with the spool position."""

    first_seen: FirstSeen = field(default_factory=FirstSeen)

    def snapshot(self) -> dict[str, Any]:
        return {"first_seen": self.first_seen.snapshot()}

    def restore(self, state: dict[str, Any]) -> None:
        self.first_seen.restore(state.get("first_seen") or {})

    @property
    def changed(self) -> bool:
        """Whether the state changed since it was last saved (see :meth:`saved`)."""
        return self.first_seen.changed

    def saved(self) -> None:
        self.first_seen.changed = False


def _dict(parent: dict[str, Any], key: str) -> dict[str, Any]:
    child = parent.get(key)
    if not isinstance(child, dict):
        child = parent[key] = {}
    return child


def _child(parent: Any, key: str) -> Any:
    return parent.get(key) if isinstance(parent, dict) else None


def _account(user: Any) -> str | None:
    if not isinstance(user, dict):
        return None
    for key in ("name", "id"):
        value = user.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _rank(value: Any) -> int | None:
    return CLEARANCE_RANKS.get(value.lower()) if isinstance(value, str) else None


def _person_fields(event: Event, person: Person) -> dict[str, Any]:
    user = _dict(event, "user")
    user["id"] = person.user
    if person.display_name:
        user["full_name"] = person.display_name
    fields: dict[str, Any] = {
        "known": True,
        "clearance": person.clearance,
        "clearance_rank": person.clearance_rank,
        "committees": list(person.committees),
        "roles": list(person.roles),
    }
    if person.unit:
        fields["unit"] = person.unit
    return fields


def _tag(event: Event, tag: str) -> None:
    tags = event.get("tags")
    if not isinstance(tags, list):
        tags = event["tags"] = [] if tags is None else [tags]
    if tag not in tags:
        tags.append(tag)


def enrich_event(
    event: Event,
    *,
    directory: Directory,
    calendar: WorkCalendar,
    networks: InternalNetworks,
    first_seen: FirstSeen,
) -> None:
    secops = _dict(event, "secops")
    account = _account(event.get("user"))
    person = directory.lookup(account) if account and directory.loaded else None
    sp: dict[str, Any] | None = None
    if person is not None:
        sp = secops["person"] = _person_fields(event, person)
    elif account and directory.loaded:
        sp = secops["person"] = {"known": False}
        _tag(event, UNKNOWN_TAG)

    # Clearance against classification: the directory's clearance wins over the
    # record's, which stays in parliament.user.clearance.
    parliament = event.get("parliament")
    document = _child(parliament, "document")
    if person is None:
        recorded = _child(_child(parliament, "user"), "clearance")
        rank = _rank(recorded)
        if rank is not None:
            sp = sp if sp is not None else _dict(secops, "person")
            sp["clearance"], sp["clearance_rank"] = str(recorded).lower(), rank
    if isinstance(document, dict):
        classification = _rank(document.get("classification"))
        if classification is not None:
            document["classification_rank"] = classification
        committee = document.get("committee")
        if person is not None:
            if isinstance(committee, str) and committee:
                secops["need_to_know"] = committee.lower() in person.committees
            if classification is not None:
                secops["above_clearance"] = classification > person.clearance_rank

    timestamp = event.get("@timestamp")
    local = calendar.fields_of(timestamp)
    if local is not None:
        secops["time"] = local

    address = _child(event.get("source"), "ip")
    if isinstance(address, str) and address:
        internal = networks.is_internal(address)
        if internal is not None:
            source = _dict(secops, "source")  # beside where the record came from
            source["internal"] = internal
            subject = person.user if person is not None else account
            at = epoch_of(timestamp) if subject and isinstance(timestamp, str) else None
            if subject and at is not None:
                failed = _child(event.get("event"), "outcome") == "failure"
                source["first_seen"] = first_seen.check(subject, address, at, remember=not failed)


def enrich_events(
    events: Sequence[Event],
    *,
    directory: Directory,
    calendar: WorkCalendar,
    networks: InternalNetworks,
    first_seen: FirstSeen,
) -> None:
    """Add the context fields to every event of the batch, in order (first-seen is ordered).

    A failure on one event (a bug) leaves that event as far as it got, tagged
    ``enrich_failed``, and goes on: context must never hold back the records.
    """
    for event in events:
        try:
            enrich_event(
                event,
                directory=directory,
                calendar=calendar,
                networks=networks,
                first_seen=first_seen,
            )
        except Exception:
            log.exception("enrich stage failed on an event; stored without full context")
            _tag(event, FAILED_TAG)


def default_calendar() -> WorkCalendar:
    return WorkCalendar.parse(
        timezone="Asia/Tehran",
        working_days="sat,sun,mon,tue,wed",
        working_hours="07:00-16:00",
        holidays=None,
    )


class Enricher:
    """The stage as the pipeline runs it: the current directory, and state between batches."""

    def __init__(
        self,
        *,
        calendar: WorkCalendar | None = None,
        networks: InternalNetworks | None = None,
        directory: Callable[[], Directory] = Directory,
        state: EnrichmentState | None = None,
    ) -> None:
        self.calendar = calendar or default_calendar()
        self.networks = networks or InternalNetworks(DEFAULT_INTERNAL)
        self.directory = directory
        self.state = state or EnrichmentState()

    def enrich(self, events: Sequence[Event]) -> None:
        enrich_events(
            events,
            directory=self.directory(),
            calendar=self.calendar,
            networks=self.networks,
            first_seen=self.state.first_seen,
        )

    def snapshot(self) -> dict[str, Any]:
        return self.state.snapshot()

    def restore(self, state: dict[str, Any]) -> None:
        self.state.restore(state)
