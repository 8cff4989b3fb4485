"""The console in a real browser (Playwright driving chromium): log in with a TOTP code,
enrol MFA, triage an alert with a 409 and a step-up, Persian right-to-left with Solar
Hijri dates, a report generated and downloaded, an operator kept out of administration.
Each test saves a screenshot in its tmp dir; no page breaks the CSP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from secops.alerts.models import AlertChange, Status
from secops.alerts.service import get_alert, write_alerts
from secops.alerts.triage import update_alert
from secops.auth import sessions, users
from secops.compliance import service as compliance
from secops.compliance.periods import last_closed
from secops.context import Context

from .alerts_seed import seed, ssh_match
from .browser import chromium_path, screenshot_dir, serving
from .people import Person, enrolled

PERSIAN_DIGITS = str.maketrans("0123456789", "".join(chr(0x06F0 + d) for d in range(10)))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def console(ctx: Context) -> Iterator[str]:
    with serving(ctx) as url:
        yield url


@pytest.fixture
def page(browser: Browser, console: str) -> Iterator[Page]:
    context = browser.new_context(base_url=console, viewport={"width": 1360, "height": 900})
    tab = context.new_page()
    violations: list[str] = []
    tab.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield tab
    context.close()
    assert not violations, f"the page broke its CSP: {violations}"


def log_in(page: Page, person: Person) -> None:
    page.goto("/login")
    page.fill("#username", person.username)
    page.fill("#password", person.password)
    page.fill("#totp", person.code())
    page.click("#login")


def test_log_in_with_a_totp_code(ctx: Context, page: Page, tmp_path: Path) -> None:
    seed(ctx, "critical", "high", "medium", "low")
    ann = enrolled(ctx, "ann", "soc_operator")
    page.goto("/alerts")
    expect(page).to_have_url("/login?next=%2Falerts")
    page.fill("#username", "ann")
    page.fill("#password", ann.password)
    page.fill("#totp", "000000")
    page.click("#login")
    expect(page.locator(".error")).to_be_visible()
    page.fill("#password", ann.password)
    page.fill("#totp", ann.code())
    page.click("#login")
    expect(page).to_have_url("/alerts")
    expect(page.locator("tr.alert-row")).to_have_count(4)
    page.screenshot(path=str(tmp_path / "login-queue.png"), full_page=True)


def test_first_login_enrols_mfa(ctx: Context, page: Page, tmp_path: Path) -> None:
    users.create_user(
        ctx, username="nina", display_name="Nina", roles=["auditor"], actor="system:test"
    )
    # An administrator's reset: a one-time password, to be changed at the next login.
    _, password = users.set_password(ctx, username="nina", actor="system:test")
    page.goto("/login")
    page.fill("#username", "nina")
    page.fill("#password", password)
    page.click("#login")
    expect(page).to_have_url("/mfa")
    page.click("#enroll")
    expect(page.locator("img.qr")).to_be_visible()
    nina = Person("nina", password, page.inner_text("#totp-secret").strip())
    page.screenshot(path=str(tmp_path / "mfa-enrolment.png"), full_page=True)
    page.fill("#code", nina.code())
    page.click("#confirm")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.click("#continue")
    # The administrator chose the first password: the person chooses their own.
    expect(page).to_have_url("/password")
    page.fill("input[name=current_password]", password)
    page.fill("input[name=new_password]", "Correct-Horse-Battery-Staple-42")
    page.fill("input[name=code]", nina.code())
    page.click("form[action='/password'] button")
    expect(page.locator("h1")).to_have_text("نمای کلی")  # the overview, in the default language
    page.screenshot(path=str(tmp_path / "after-enrolment.png"), full_page=True)


def _stale_session(page: Page, ctx: Context, console: str, username: str) -> None:
    """A session whose TOTP proof is ten minutes old (past the step-up window)."""
    found = users.get_user(ctx, username)
    assert found is not None
    pair = sessions.start(
        ctx, user=found[0], address=None, now=datetime.now(UTC) - timedelta(minutes=10)
    )
    page.context.add_cookies(
        [
            {"name": "secops_access", "value": pair.access_token, "url": console},
            {"name": "secops_refresh", "value": pair.refresh_token, "url": console},
        ]
    )


def test_triage_with_a_conflict_and_a_step_up(
    ctx: Context, page: Page, console: str, tmp_path: Path
) -> None:
    [critical, low] = seed(ctx, "critical", "low")
    oscar = enrolled(ctx, "oscar", "soc_operator")
    _stale_session(page, ctx, console, "oscar")
    page.goto("/alerts")
    # Keyboard triage: move to the second row, acknowledge it, assign the first to me.
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("a")
    expect(page.locator(f"#row-{low}")).to_contain_text("دریافت‌شده")
    expect(page.locator("tr.current")).to_have_id(f"row-{low}")  # drawn again, still current
    page.keyboard.press("k")
    page.keyboard.press("m")
    expect(page.locator(f"#row-{critical}")).to_contain_text("oscar")
    expect(page.locator("tr.current")).to_have_id(f"row-{critical}")
    page.keyboard.press("o")
    expect(page).to_have_url(f"/alerts/{critical}")
    # Someone else changes the alert while it is open here.
    update_alert(
        ctx,
        alert_id=critical,
        change=AlertChange(assignee="bob", reason="taking it"),
        version=get_alert(ctx, alert_id=critical).version,
        by="bob",
    )
    page.select_option("#triage-status", "in_progress")
    page.click("#triage-apply")
    expect(page.locator("#conflict")).to_be_visible()
    expect(page.locator("#conflict .who-changed").first).to_have_text("bob")
    page.screenshot(path=str(tmp_path / "conflict.png"), full_page=True)
    assert get_alert(ctx, alert_id=critical).status == Status.new  # nothing overwritten
    # Resolving a critical alert needs a fresh code: the prompt, then the change.
    page.goto(f"/alerts/{critical}")
    page.select_option("#triage-status", "resolved")
    page.select_option("#triage-resolution", "false_positive")
    page.fill("#triage-reason", "scanner of the IT department")
    page.click("#triage-apply")
    expect(page.locator("#step-up-code")).to_be_visible()
    page.screenshot(path=str(tmp_path / "step-up.png"), full_page=True)
    page.fill("#step-up-code", oscar.code())
    page.click("#step-up button")
    expect(page).to_have_url(f"/alerts/{critical}")
    resolved = get_alert(ctx, alert_id=critical)
    assert resolved.status == Status.resolved
    assert resolved.resolution == "false_positive"
    expect(page.locator("#history")).to_contain_text("scanner of the IT department")


def test_new_alerts_appear_without_reload(ctx: Context, page: Page, tmp_path: Path) -> None:
    seed(ctx, "low")
    log_in(page, enrolled(ctx, "ann", "soc_operator"))
    page.goto("/alerts")
    expect(page.locator("tr.alert-row")).to_have_count(1)
    write_alerts(ctx, [ssh_match(7, level="critical", ts=datetime.now(UTC).isoformat())])
    ctx.es.indices.refresh(index=ctx.names.alerts)
    # htmx polls every 5 s; the new alert comes in above the others, marked.
    expect(page.locator("tr.fresh")).to_have_count(1, timeout=15_000)
    expect(page.locator("tr.fresh")).to_contain_text("critical 7")
    page.screenshot(path=str(tmp_path / "fresh-alert.png"), full_page=True)


def test_persian_is_right_to_left_with_solar_hijri_dates(
    ctx: Context, page: Page, tmp_path: Path
) -> None:
    [alert_id] = seed(ctx, "high")  # its event is at 2025-03-01T10:00:00Z
    log_in(page, enrolled(ctx, "ann", "soc_operator"))
    page.goto(f"/alerts/{alert_id}")
    page.click("#lang-en")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator(".summary")).to_contain_text("2025-03-01 13:30:00")
    page.screenshot(path=str(tmp_path / "alert-en.png"), full_page=True)
    page.click("#lang-fa")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "fa")
    # 11 Esfand 1403, 13:30 in Tehran, in Persian digits.
    expect(page.locator(".summary")).to_contain_text(
        "1403/12/11 13:30:00".translate(PERSIAN_DIGITS)
    )
    page.screenshot(path=str(tmp_path / "alert-fa.png"), full_page=True)


def test_generate_and_download_a_report(ctx: Context, page: Page, tmp_path: Path) -> None:
    log_in(page, enrolled(ctx, "audrey", "auditor"))
    page.goto("/reports")
    page.click("#generate")
    link = page.locator("a.download").first
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    document = json.loads(saved.read_text())
    assert document["report_id"] == saved.stem
    assert document["signature"]
    page.set_input_files("#verify-file", saved)
    page.click("#verify")
    expect(page.locator("#verify-result")).to_have_class("panel secret")
    page.screenshot(path=str(tmp_path / "reports.png"), full_page=True)


def test_sign_a_period_report_and_download_its_persian_pdf(
    ctx: Context, page: Page, tmp_path: Path
) -> None:
    log_in(page, enrolled(ctx, "audrey", "auditor"))
    page.goto("/reports")
    month = last_closed(
        datetime.now(UTC), calendar="solar_hijri", kind="month", timezone=ctx.settings.timezone
    )
    expect(page.locator("#period")).to_have_value(month.label)  # the last closed month
    page.select_option("#calendar", "solar_hijri")
    page.click("#sign-period")
    row = page.locator(f'tr[id="{month.report_id}"]')
    expect(row).to_contain_text("هجری خورشیدی")
    expect(row).to_contain_text(month.label.translate(PERSIAN_DIGITS))
    with page.expect_download() as download:
        row.locator("a.download-pdf-fa").click()
    assert download.value.suggested_filename == f"{month.report_id}.fa.pdf"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    page.set_input_files("#verify-file", saved)
    page.click("#verify")
    expect(page.locator("#verify-result")).to_have_class("panel secret")
    page.screenshot(path=str(tmp_path / "period-report-fa.png"), full_page=True)


def test_an_operator_cannot_reach_administration(ctx: Context, page: Page, tmp_path: Path) -> None:
    log_in(page, enrolled(ctx, "oscar", "soc_operator"))
    expect(page.locator("header nav")).not_to_contain_text("مدیریت")
    answer = page.goto("/admin")
    assert answer is not None
    assert answer.status == 403
    expect(page.locator(".problem")).to_be_visible()
    page.screenshot(path=str(tmp_path / "operator-admin-403.png"), full_page=True)


def test_readme_screenshots(ctx: Context, page: Page, tmp_path: Path) -> None:
    """The overview, the queue and an alert, in English and in Persian (docs/ with
    SECOPS_TEST_DOCS=1)."""
    now = datetime.now(UTC)
    hours = [3, 20, 30, 50, 75, 120]
    ts = [(now - timedelta(hours=h)).isoformat().replace("+00:00", "Z") for h in hours]
    ids = seed(ctx, "critical", "high", "high", "medium", "low", "informational", ts=ts)
    compliance.evaluate(ctx)
    target = screenshot_dir(tmp_path)
    log_in(page, enrolled(ctx, "ann", "soc_operator", "auditor"))
    for lang in ("en", "fa"):
        page.goto("/")
        page.click(f"#lang-{lang}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        page.goto("/")
        page.screenshot(path=str(target / f"console-overview-{lang}.png"), full_page=True)
        page.goto("/alerts")
        page.screenshot(path=str(target / f"console-queue-{lang}.png"), full_page=True)
        page.goto(f"/alerts/{ids[0]}")
        page.screenshot(path=str(target / f"console-alert-{lang}.png"), full_page=True)
    assert (target / "console-alert-fa.png").stat().st_size > 10_000
