"""The enrich stage on real normalised DMS and portal events."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from secops.enrich import Enricher
from secops.enrich.directory import Directory, parse_people
from secops.normalize import normalize
from secops.records import RawRecord, Source

PEOPLE = """user,clearance,committees,aliases,display_name,unit,roles
mrossi,confidential,defence,M0421,Maria Rossi,defence-office,member
archivist,public,,,,archive,
"""


def _directory() -> Directory:
    return Directory.of(parse_people(PEOPLE, source="people.csv"), generation="g1")


def _dms(**over: str) -> dict[str, Any]:
    fields = {
        "app": "dms", "ts": "2026-06-06T06:00:00Z", "user": "mrossi", "clearance": "internal",
        "doc_id": "DOC-1", "classification": "secret", "committee": "defence",
        "action": "download", "result": "success", "client": "10.1.2.3",
    } | over  # fmt: skip
    record = RawRecord(
        source=Source(input="http"), received_at=time.time(), message=json.dumps(fields)
    )
    return normalize(record)


def _portal(member: str, address: str = "203.0.113.9") -> dict[str, Any]:
    line = (
        f'evoting {address} - {member} [06/Jun/2026:09:30:00 +0330] "POST /ballots/B-1/vote '
        'HTTP/1.1" 201 87 "-" "Mozilla/5.0" sid=8f2c1a action=vote_cast ballot=B-1 ms=42'
    )
    return normalize(RawRecord(source=Source(input="file"), received_at=time.time(), message=line))


def _enriched(*events: dict[str, Any], enricher: Enricher | None = None) -> list[dict[str, Any]]:
    enricher = enricher or Enricher(directory=_directory)
    enricher.enrich(list(events))
    return list(events)


def _enriched_source(event: dict[str, Any]) -> dict[str, Any]:
    """The enrich stage's part of ``secops.source`` (beside the record's origin)."""
    source = event["secops"]["source"]
    return {k: source[k] for k in ("internal", "first_seen") if k in source}


def test_known_person_need_to_know_and_ranks() -> None:
    (ev,) = _enriched(_dms())
    assert ev["user"]["id"] == "mrossi"
    assert ev["user"]["full_name"] == "Maria Rossi"
    person = ev["secops"]["person"]
    assert person == {
        "known": True, "clearance": "confidential", "clearance_rank": 2,
        "committees": ["defence"], "roles": ["member"], "unit": "defence-office",
    }  # fmt: skip
    # The directory's clearance wins; the record's stays where the parser put it.
    assert ev["parliament"]["user"]["clearance"] == "internal"
    assert ev["parliament"]["document"]["classification_rank"] == 3
    assert ev["secops"]["need_to_know"] is True
    assert ev["secops"]["above_clearance"] is True


def test_not_on_the_committee_and_within_clearance() -> None:
    (ev,) = _enriched(_dms(committee="budget", classification="internal"))
    assert ev["secops"]["need_to_know"] is False
    assert ev["secops"]["above_clearance"] is False


def test_document_without_committee_has_no_need_to_know() -> None:
    (ev,) = _enriched(_dms(committee=""))
    assert "need_to_know" not in ev["secops"]


def test_portal_alias_resolves_to_the_person() -> None:
    (ev,) = _enriched(_portal("M0421"))
    assert ev["user"]["name"] == "M0421"
    assert ev["user"]["id"] == "mrossi"
    assert ev["secops"]["person"]["known"] is True


def test_unknown_account_is_marked_and_kept() -> None:
    (ev,) = _enriched(_dms(user="intruder"))
    assert ev["secops"]["person"]["known"] is False
    assert "person_unknown" in ev["tags"]
    # Without a directory entry the record's clearance is the one there is.
    assert ev["secops"]["person"]["clearance_rank"] == 1
    assert "need_to_know" not in ev["secops"]
    assert "above_clearance" not in ev["secops"]
    assert ev["parliament"]["document"]["classification_rank"] == 3


def test_event_without_user_has_no_person() -> None:
    line = (
        'portal 10.20.0.5 - - [06/Jun/2026:10:14:40 +0330] "POST /login HTTP/1.1" 401 35 "-" '
        '"Mozilla/5.0" sid=- action=login_failed ballot=- ms=120'
    )
    ev = normalize(RawRecord(source=Source(input="file"), received_at=time.time(), message=line))
    _enriched(ev)
    assert "person" not in ev["secops"]
    assert "person_unknown" not in ev.get("tags", [])
    assert _enriched_source(ev) == {"internal": True}  # no person: no first_seen


def test_no_directory_loaded_marks_nobody_unknown() -> None:
    (ev,) = _enriched(_dms(user="someone"), enricher=Enricher())
    assert "known" not in ev["secops"].get("person", {})
    assert "person_unknown" not in ev.get("tags", [])


def test_time_fields_are_real_booleans() -> None:
    # 2026-06-06 06:00 UTC = Saturday 09:30 in Tehran.
    (ev,) = _enriched(_dms())
    assert ev["secops"]["time"] == {
        "local": "2026-06-06T09:30:00.000+03:30", "weekday": "sat",
        "holiday": False, "working": True,
    }  # fmt: skip
    (night,) = _enriched(_dms(ts="2026-06-05T22:00:00Z"))
    assert night["secops"]["time"]["working"] is False


def test_internal_and_first_seen_per_person() -> None:
    enricher = Enricher(directory=_directory)
    first, again, other, external, failed, after = _enriched(
        _dms(),
        _dms(ts="2026-06-06T07:00:00Z"),
        _dms(user="archivist"),
        _dms(client="198.51.100.20"),
        _portal("M0421", "198.51.100.30") | {"event": {"outcome": "failure"}},
        _portal("M0421", "198.51.100.30"),
        enricher=enricher,
    )
    assert _enriched_source(first) == {"internal": True, "first_seen": True}
    assert first["secops"]["source"]["input"] == "http"  # the record's origin, kept
    assert again["secops"]["source"]["first_seen"] is False
    assert other["secops"]["source"]["first_seen"] is True  # new for this person
    assert _enriched_source(external) == {"internal": False, "first_seen": True}
    # The alias is the same person; a failure does not make its address familiar.
    assert failed["secops"]["source"]["first_seen"] is True
    assert after["secops"]["source"]["first_seen"] is True
    # The state carries over batches and through a snapshot.
    restored = Enricher(directory=_directory)
    restored.restore(json.loads(json.dumps(enricher.snapshot())))
    (later,) = _enriched(_dms(ts="2026-06-20T06:00:00Z"), enricher=restored)
    assert later["secops"]["source"]["first_seen"] is False


@pytest.mark.parametrize(
    "event",
    [
        {"user": "mrossi", "source": "10.0.0.1", "@timestamp": 5},
        {"user": {"name": ["mrossi"]}, "source": {"ip": ["10.0.0.1"]}, "tags": "x"},
        {"user": {"name": ""}, "parliament": {"document": "DOC-1"}, "secops": "odd"},
        {"user": {"name": "mrossi"}, "parliament": {"user": {"clearance": 3}}, "@timestamp": "x"},
        {"source": {"ip": "not-an-address"}, "@timestamp": "2026-13-45T00:00:00Z"},
    ],
)
def test_odd_shapes_are_enriched_without_error(event: dict[str, Any]) -> None:
    _enriched(event)
    assert isinstance(event["secops"], dict)
    assert "time" not in event["secops"]


def test_a_failure_on_one_event_tags_it_and_the_batch_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    enricher = Enricher(directory=_directory)
    calls = []

    def broken(timestamp: str) -> float:
        calls.append(timestamp)
        if len(calls) == 1:
            raise RuntimeError("a bug")
        return 0.0

    monkeypatch.setattr("secops.enrich.stage.epoch_of", broken)
    first, second = _enriched(_dms(), _dms(doc_id="DOC-2"), enricher=enricher)
    assert "enrich_failed" in first["tags"]
    assert "enrich_failed" not in second.get("tags", [])
    assert second["secops"]["person"]["known"] is True
