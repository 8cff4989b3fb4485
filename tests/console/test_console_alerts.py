"""The alert pages: queue with filters and saved views, fresh alerts, bulk and keyboard
triage, the alert with its events, a concurrent change (409) and the step-up prompt."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from polling import wait_until

from secops import audit
from secops.alerts.models import AlertChange, Status
from secops.alerts.service import get_alert
from secops.alerts.triage import update_alert
from secops.context import Context

from .alerts_seed import seed
from .people import csrf_of, enrolled, log_in, session_at

PERSIAN_DIGITS = str.maketrans("0123456789", "".join(chr(0x06F0 + d) for d in range(10)))


def test_queue_filters_and_sorts(ctx: Context, client: TestClient) -> None:
    seed(ctx, "low", "high", "critical")
    log_in(client, enrolled(ctx, "ann", "soc_operator"))
    page = client.get("/alerts")
    assert page.status_code == 200
    titles = re.findall(r'class="open">([^<]+)<', page.text)
    assert titles == ["critical 2", "high 1", "low 0"]  # priority: severity first
    only_high = client.get("/alerts", params={"severity": "high"})
    assert re.findall(r'class="open">([^<]+)<', only_high.text) == ["high 1"]
    person = client.get("/alerts", params={"user": "user0"})
    assert re.findall(r'class="open">([^<]+)<', person.text) == ["low 0"]
    bad = client.get("/alerts", params={"source": "not-an-address"})
    assert bad.status_code == 422
    assert "not an address" in bad.text


def test_saved_views_are_kept_with_the_account(ctx: Context, client: TestClient) -> None:
    seed(ctx, "low", "high")
    log_in(client, enrolled(ctx, "ann", "soc_operator"))
    saved = client.post(
        "/alerts/views",
        data={"csrf": csrf_of(client), "name": "high ones", "query": "severity=high&bogus=1"},
        follow_redirects=False,
    )
    assert saved.headers["location"] == "/alerts?severity=high"
    assert 'href="/alerts?severity=high">high ones</a>' in client.get("/alerts").text


def test_new_alerts_come_in_by_polling(ctx: Context, client: TestClient) -> None:
    log_in(client, enrolled(ctx, "ann", "soc_operator"))
    drawn = datetime.now(UTC) - timedelta(seconds=1)
    before = client.get("/alerts/fresh", params={"after": drawn.isoformat()})
    assert 'hx-trigger="every 5s"' in before.text
    assert "alert-row" not in before.text
    seed(ctx, "high")
    after = client.get("/alerts/fresh", params={"after": drawn.isoformat()})
    assert after.text.count('class="alert-row') == 1
    assert "fresh" in after.text


def test_bulk_acknowledge_and_keyboard_assign(ctx: Context, client: TestClient) -> None:
    ids = seed(ctx, "low", "medium")
    log_in(client, enrolled(ctx, "ann", "soc_operator"))
    done = client.post(
        "/alerts/bulk", data={"csrf": csrf_of(client), "action": "acknowledge", "ids": ids}
    )
    assert done.status_code == 200
    assert all(get_alert(ctx, alert_id=i).status == Status.acknowledged for i in ids)
    alert = get_alert(ctx, alert_id=ids[0])
    row = client.post(
        f"/alerts/{ids[0]}/quick",
        data={"csrf": csrf_of(client), "action": "assign_me", "version": alert.version},
    )
    assert row.status_code == 200
    assert get_alert(ctx, alert_id=ids[0]).assignee == "ann"
    stale = client.post(
        f"/alerts/{ids[0]}/quick",
        data={"csrf": csrf_of(client), "action": "acknowledge", "version": alert.version},
    )
    assert stale.status_code == 409


def test_a_concurrent_change_shows_who_changed_what(ctx: Context, client: TestClient) -> None:
    [alert_id] = seed(ctx, "medium")
    log_in(client, enrolled(ctx, "ann", "soc_operator"))
    page = client.get(f"/alerts/{alert_id}")
    assert get_alert(ctx, alert_id=alert_id).summary in page.text
    assert "Failed password for user0" in page.text  # the event's fields
    assert "&lt;38&gt;Mar  1 10:00:00 LabSZ sshd[2413]" in page.text  # its original record
    version = re.search(r'name="version" value="([^"]+)"', page.text)[1]  # type: ignore[index]
    seen = re.search(r'name="seen" value="([^"]+)"', page.text)[1]  # type: ignore[index]
    update_alert(
        ctx,
        alert_id=alert_id,
        change=AlertChange(assignee="bob", reason="mine"),
        version=version,
        by="bob",
    )
    answer = client.post(
        f"/alerts/{alert_id}/triage",
        data={"csrf": csrf_of(client), "version": version, "seen": seen, "status": "resolved"},
    )
    assert answer.status_code == 409
    conflict = answer.text[answer.text.index('id="conflict"') :]
    assert 'class="who-changed">bob<' in conflict
    assert get_alert(ctx, alert_id=alert_id).status == Status.new  # not overwritten


def test_resolving_a_critical_alert_asks_for_a_fresh_code(ctx: Context, client: TestClient) -> None:
    [alert_id] = seed(ctx, "critical")
    ann = enrolled(ctx, "ann", "soc_operator")
    session_at(client, ctx, "ann", datetime.now(UTC) - timedelta(minutes=10))
    alert = get_alert(ctx, alert_id=alert_id)
    form = {
        "csrf": csrf_of(client),
        "version": alert.version,
        "status": "resolved",
        "resolution": "false_positive",
    }
    prompt = client.post(f"/alerts/{alert_id}/triage", data=form)
    assert prompt.status_code == 403
    assert 'id="step-up-code"' in prompt.text
    assert get_alert(ctx, alert_id=alert_id).status == Status.new
    wrong = client.post(f"/alerts/{alert_id}/triage", data={**form, "code": "000000"})
    assert wrong.status_code == 401
    assert 'id="step-up-code"' in wrong.text  # asked again
    done = client.post(
        f"/alerts/{alert_id}/triage", data={**form, "code": ann.code()}, follow_redirects=False
    )
    assert done.status_code == 303
    assert get_alert(ctx, alert_id=alert_id).status == Status.resolved
    # In the audit trail as through the API: the step-up, and the change by its author.
    wanted = {
        ("auth.step_up", "success"),
        ("POST /alerts/{alert_id}/triage", "success"),
        ("POST /alerts/{alert_id}/triage", "denied"),  # the prompt
    }

    def recorded() -> set[tuple[str, str]]:
        ctx.es.indices.refresh(index=ctx.names.audit)
        entries = audit.list_entries(ctx, actor="ann", limit=50).entries
        return {(e.action, e.outcome) for e in entries} & wanted

    actions = wait_until(lambda: recorded() == wanted and recorded(), what="the audit entries")
    assert ("auth.step_up", "success") in actions
    assert ("POST /alerts/{alert_id}/triage", "success") in actions
    assert ("POST /alerts/{alert_id}/triage", "denied") in actions  # the prompt


def test_persian_page_is_rtl_with_solar_hijri_dates(ctx: Context, client: TestClient) -> None:
    [alert_id] = seed(ctx, "high")  # the event is at 2025-03-01T10:00:00Z
    ann = enrolled(ctx, "ann", "soc_operator")
    log_in(client, ann)
    assert '<html lang="fa" dir="rtl">' in client.get("/").text  # the default
    client.post("/preferences/language", data={"csrf": csrf_of(client), "lang": "en"})
    # Kept with the account: a browser without the cookie shows the account's choice.
    other = TestClient(client.app)
    log_in(other, ann)
    english = other.get(f"/alerts/{alert_id}")
    assert '<html lang="en" dir="ltr">' in english.text
    assert "2025-03-01 13:30:00" in english.text  # Asia/Tehran, Gregorian
    other.post("/preferences/language", data={"csrf": csrf_of(other), "lang": "fa"})
    persian = other.get(f"/alerts/{alert_id}")
    assert '<html lang="fa" dir="rtl">' in persian.text
    # 11 Esfand 1403 13:30:00 in Persian digits
    assert "1403/12/11 13:30:00".translate(PERSIAN_DIGITS) in persian.text
    assert "هشدارها" in persian.text


def test_queue_times_are_read_in_the_service_time_zone() -> None:
    from zoneinfo import ZoneInfo

    from api.console.pages.alerts import queue_filter

    flt = queue_filter({"since": ["2025-03-01T13:30"]}, ZoneInfo("Asia/Tehran"))
    assert flt.since == datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    marked = queue_filter({"since": ["2025-03-01T13:30Z"]}, ZoneInfo("Asia/Tehran"))
    assert marked.since == datetime(2025, 3, 1, 13, 30, tzinfo=UTC)
