"""Anonymous callers cannot grow the audit trail: their refused requests are counted and
summarised (one entry at the start of a window per address, one with the count at its
end), not appended one entry each."""

from __future__ import annotations

import secrets

from auth.support import enrolled
from fastapi.testclient import TestClient

from api.app import create_app
from api.refusals import ACTION, OTHER, RefusalSummary
from secops.accounting import process_metrics
from secops.context import Context

METRIC = "secops_api_anonymous_refusals_total"


def _entries(ctx: Context, action: str | None = None) -> list[dict]:
    ctx.es.indices.refresh(index=ctx.names.audit)
    query = {"term": {"action": action}} if action else {"match_all": {}}
    hits = ctx.es.search(index=ctx.names.audit, query=query, size=1000)["hits"]["hits"]
    return [h["_source"] for h in hits]


def _refused_401s() -> float:
    return process_metrics().registry.get_sample_value(METRIC, {"status": "401"}) or 0.0


def test_500_anonymous_refusals_add_two_entries_and_are_counted(ctx: Context) -> None:
    before, counted_before = len(_entries(ctx)), _refused_401s()
    forged = {"Authorization": "Bearer " + secrets.token_urlsafe(40)}
    key = {"X-API-Key": "sk_0123456789abcdef_" + secrets.token_urlsafe(32)}
    with TestClient(create_app(ctx.settings, context=ctx)) as client:
        for n in range(125):
            codes = [
                client.post("/api/v1/alerts/bulk", json={"ids": ["a"], "change": {}}).status_code,
                client.post(
                    "/api/v1/users", json={"username": f"u{n}"}, headers=forged
                ).status_code,
                client.post("/api/v1/auth/refresh", json={"refresh_token": f"rt_{n}"}).status_code,
                client.post("/api/v1/apikeys", json={"name": "x"}, headers=key).status_code,
            ]
            assert codes == [401] * 4
        # While the window is open, only its first refusal is in the trail.
        assert len(_entries(ctx)) - before == 1
    # At shutdown the window's summary is written: two entries for the 500 refusals.
    assert len(_entries(ctx)) - before == 2
    first, summary = sorted(
        _entries(ctx, ACTION), key=lambda e: e["details"]["first_of_window"], reverse=True
    )
    assert (first["details"]["count"], summary["details"]["count"]) == (1, 499)
    assert summary["actor"]["address"] == "testclient"
    assert summary["details"]["by_request"]["POST /api/v1/users 401"] == 125
    assert _refused_401s() - counted_before == 500


def test_knocking_while_locked_out_adds_nothing(ctx: Context, client: TestClient) -> None:
    acct = enrolled(ctx, "root", ["admin"])
    before = len(_entries(ctx))
    body = {"username": "root", "password": "not the password"}
    statuses = [client.post("/api/v1/auth/login", json=body).status_code for _ in range(200)]
    right = {"username": "root", "password": acct.password, "totp": acct.next_code()}
    statuses.append(client.post("/api/v1/auth/login", json=right).status_code)
    # A lock lasts 2 s, then 4, 8 ...: most of the attempts knocked on a locked door.
    assert set(statuses) == {401, 429}
    assert statuses.count(429) > 150
    failures = [e for e in _entries(ctx, "auth.login") if e["outcome"] == "failure"]
    lockouts = _entries(ctx, "auth.lockout")
    assert len(failures) == statuses.count(401)
    assert lockouts
    # Each failure counted towards the lock is recorded, and each lock; the knocking is
    # not: one entry opens the address's window of anonymous refusals.
    assert len(_entries(ctx)) - before == len(failures) + len(lockouts) + 1


def test_windows_close_per_address_and_stay_bounded() -> None:
    summary = RefusalSummary(interval=60, max_addresses=2)
    route = "POST /api/v1/users 401"
    assert [s.count for s in summary.note(address="a", route=route, status=401, now=0)] == [1]
    for t in range(1, 30):
        assert summary.note(address="a", route=route, status=401, now=t) == []
    assert summary.due(59) == []
    [ended] = summary.due(60)
    assert (ended.address, ended.count, ended.first) == ("a", 29, False)
    assert summary.due(61) == []
    # A third address shares the window of "other" instead of growing the table.
    summary.note(address="b", route=route, status=401, now=100)
    summary.note(address="c", route=route, status=401, now=100)
    [first_other] = summary.note(address="d", route=route, status=401, now=100)
    assert first_other.address == OTHER
    summary.note(address="e", route=route, status=401, now=101)
    assert {(s.address, s.count) for s in summary.drain()} == {(OTHER, 1)}
