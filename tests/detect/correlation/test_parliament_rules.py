"""The parliament's correlation rules (rules/correlation/) over enriched events, through
the real single-event rules they refer to: each fires on its attack and stays quiet on
the routine work that looks closest to it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from secops.detect.correlation import CorrelationEngine
from secops.detect.engine import DetectionEngine
from secops.detect.loader import BUILTIN_RULES, load_rules
from secops.detect.models import CorrelationMatch

T0 = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
RANK = {"public": 0, "internal": 1, "confidential": 2, "secret": 3}


@pytest.fixture(scope="module")
def engines() -> tuple[DetectionEngine, list[Any], list[Any]]:
    ruleset = load_rules([BUILTIN_RULES], collect_errors=False)
    return DetectionEngine(ruleset), ruleset.correlations, [r.meta for r in ruleset.rules]


def run(
    engines: tuple[DetectionEngine, list[Any], list[Any]], events: list[dict[str, Any]]
) -> list[CorrelationMatch]:
    detector, correlations, metas = engines
    correlator = CorrelationEngine(correlations, metas)
    fired: list[CorrelationMatch] = []
    for i, event in enumerate(events):
        for match in detector.match(event, f"ev-{i}"):
            fired.extend(correlator.observe(match))
    return fired


def titled(fired: list[CorrelationMatch], word: str) -> list[CorrelationMatch]:
    return [m for m in fired if word in m.rule.title]


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def dms(
    minute: float,
    *,
    user: str,
    doc: str,
    action: str = "download",
    cls: str = "secret",
    result: str = "success",
    committee: str = "defence",
) -> dict[str, Any]:
    return {
        "@timestamp": at(minute),
        "event": {
            "dataset": "parliament.dms",
            "action": action,
            "outcome": "success" if result == "success" else "failure",
        },
        "user": {"name": user, "id": user, "full_name": user.title()},
        "source": {"ip": "10.1.2.3"},
        "parliament": {
            "result": result,
            "document": {
                "id": doc,
                "classification": cls,
                "committee": committee,
                "classification_rank": RANK[cls],
            },
        },
    }


def portal(
    minute: float,
    *,
    action: str,
    ip: str,
    user: str = "-",
    sid: str = "-",
    ballot: str = "-",
    service: str = "evoting",
    outcome: str = "success",
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "@timestamp": at(minute),
        "event": {"dataset": "parliament.portal", "action": action, "outcome": outcome},
        "parliament": {"service": service},
        "source": {"ip": ip},
    }
    if user != "-":
        event["user"] = {"name": user, "id": user}
    if sid != "-":
        event["parliament"]["session_id"] = sid
    if ballot != "-":
        event["parliament"]["vote"] = {"ballot_id": ballot}
    return event


def test_bulk_retrieval_counts_distinct_classified_documents(engines: Any) -> None:
    thief = [
        dms(i, user="leaker", doc=f"DOC-{i}", cls="confidential" if i < 3 else "secret")
        for i in range(14)
    ]
    fired = titled(run(engines, thief), "Bulk Retrieval")
    assert len(fired) == 1
    assert fired[0].group == {"user.id": "leaker"}
    assert fired[0].values[:3] == ["DOC-0", "DOC-1", "DOC-2"]
    assert fired[0].subject["user.full_name"] == "Leaker"
    # what was taken: every classification and committee of the window, not the last paper's
    assert fired[0].subject["parliament.document.classification"] == ["confidential", "secret"]
    assert fired[0].subject["parliament.document.committee"] == "defence"


def test_bulk_retrieval_ignores_public_papers_and_repeated_prints(engines: Any) -> None:
    archivist = [dms(i, user="archivist", doc=f"PUB-{i}", cls="public") for i in range(60)]
    clerk = [dms(i, user="clerk", doc=f"DOC-{i % 3}", action="print") for i in range(30)]
    assert titled(run(engines, archivist + clerk), "Bulk Retrieval") == []


def test_probing_needs_many_distinct_denied_documents(engines: Any) -> None:
    probe = [
        dms(i, user="prober", doc=f"DOC-{i}", result="denied", action="view") for i in range(6)
    ]
    stale = [dms(i, user="member", doc="DOC-1", result="denied", action="view") for i in range(6)]
    fired = titled(run(engines, probe + stale), "Denials Across")
    assert [m.group for m in fired] == [{"user.id": "prober"}]


def test_guessing_then_success_from_one_address(engines: Any) -> None:
    guesses = [
        portal(i, action="login_failed", ip="10.9.9.9", service="portal", outcome="failure")
        for i in range(6)
    ]
    success = portal(7, action="login", ip="10.9.9.9", user="M0042", sid="s1", service="portal")
    fired = titled(run(engines, [*guesses, success]), "Followed By A Successful Login")
    assert len(fired) == 1
    assert fired[0].group == {"source.ip": "10.9.9.9"}
    assert fired[0].subject["user.name"] == "M0042"


def test_mistyped_password_then_success_is_quiet(engines: Any) -> None:
    events = [
        portal(0, action="login_failed", ip="10.9.9.8", service="portal", outcome="failure"),
        portal(1, action="login_failed", ip="10.9.9.8", service="portal", outcome="failure"),
        portal(2, action="login", ip="10.9.9.8", user="M0043", sid="s2", service="portal"),
    ]
    # guessing from elsewhere does not make this address's success suspect
    events += [
        portal(3 + i, action="login_failed", ip="10.9.9.7", service="portal", outcome="failure")
        for i in range(6)
    ]
    events.append(
        portal(10, action="login", ip="10.9.9.8", user="M0043", sid="s3", service="portal")
    )
    assert titled(run(engines, events), "Followed By") == []


def test_one_session_from_two_addresses(engines: Any) -> None:
    events = [
        portal(0, action="bill_view", ip="10.20.0.5", user="M0001", sid="abc", service="portal"),
        portal(5, action="bill_view", ip="10.20.0.5", user="M0001", sid="abc", service="portal"),
        portal(9, action="bill_view", ip="10.20.0.6", user="M0002", sid="def", service="portal"),
    ]
    assert titled(run(engines, events), "Two Addresses") == []
    events.append(
        portal(20, action="bill_view", ip="198.51.100.4", user="M0001", sid="abc", service="portal")
    )
    fired = titled(run(engines, events), "Two Addresses")
    assert len(fired) == 1
    assert fired[0].group == {"parliament.session_id": "abc"}
    assert fired[0].values == ["10.20.0.5", "198.51.100.4"]
    assert fired[0].subject["user.name"] == "M0001"


def test_vote_after_close_names_the_voter(engines: Any) -> None:
    events = [
        portal(0, action="ballot_open", ip="10.20.0.1", user="SPEAKER", ballot="B-1"),
        portal(1, action="vote_cast", ip="10.20.0.5", user="M0001", ballot="B-1"),
        portal(2, action="vote_changed", ip="10.20.0.5", user="M0001", ballot="B-1"),
        portal(3, action="ballot_close", ip="10.20.0.1", user="SPEAKER", ballot="B-1"),
    ]
    # a change of mind inside the open ballot is normal
    assert titled(run(engines, events), "After Its Ballot Closed") == []
    late = portal(30, action="vote_changed", ip="10.20.0.9", user="M0007", ballot="B-1")
    fired = titled(run(engines, [*events, late]), "After Its Ballot Closed")
    assert len(fired) == 1
    assert fired[0].group == {"parliament.vote.ballot_id": "B-1"}
    assert fired[0].subject["user.id"] == "M0007"


def test_several_members_voting_from_one_address(engines: Any) -> None:
    own = [
        portal(i, action="vote_cast", ip=f"10.20.1.{i}", user=f"M{i:04d}", ballot="B-2")
        for i in range(10)
    ]
    assert titled(run(engines, own), "From One Address") == []
    proxy = [
        portal(20 + i, action="vote_cast", ip="10.20.3.3", user=f"M{i:04d}", ballot="B-3")
        for i in range(3)
    ]
    fired = titled(run(engines, own + proxy), "From One Address")
    assert [m.group for m in fired] == [{"source.ip": "10.20.3.3"}]
    # the completing vote's member is one of several: the match does not name it alone
    assert "user.id" not in fired[0].subject
