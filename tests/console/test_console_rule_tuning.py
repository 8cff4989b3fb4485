"""Rules in the console as issue 11 made them: the run state (with the reason a rule of an
unmapped logsource does not run), the Sigma filters compiled into a rule with the events
they dropped, the overrides (the file's value beside the one in force), and the ATT&CK
coverage with its blind spots over a chosen window."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient
from polling import wait_until

from api.app import create_app
from secops.accounting import Metrics
from secops.context import Context, build_context
from secops.pipeline.service import start_pipeline
from secops.rules import coverage
from secops.rules.detector import build_detector
from secops.settings import Settings

from .people import enrolled, log_in
from .tuning_seed import (
    BUILTIN_ID,
    RDP_REASON,
    SSH_SEEN_ID,
    ZEEK,
    ZEEK_RDP_ID,
    failed_logins,
    write_tuned_rules,
)


def _row(page: str, marker: str) -> str:
    """The table row holding ``marker``."""
    at = page.index(marker)
    return page[page.rindex("<tr", 0, at) : page.index("</tr>", at)]


def _client(ctx: Context) -> Iterator[TestClient]:
    with TestClient(create_app(ctx.settings, context=ctx)) as client:
        yield client


def test_rules_filtered_by_run_state_show_why_a_rule_does_not_run(
    settings: Settings,
) -> None:
    ctx = build_context(settings.model_copy(update={"rule_dirs": [ZEEK]}))
    try:
        for client in _client(ctx):
            log_in(client, enrolled(ctx, "oscar", "soc_operator"))
            unsupported = client.get("/rules", params={"run_state": "unsupported_logsource"})
            assert unsupported.status_code == 200
            assert f'href="/rules/{ZEEK_RDP_ID}"' in unsupported.text
            assert f'href="/rules/{BUILTIN_ID}"' not in unsupported.text  # it runs
            row = _row(unsupported.text, f'href="/rules/{ZEEK_RDP_ID}"')
            assert html.escape(RDP_REASON) in row
            assert "منبع ثبت پشتیبانی‌نشده" in row  # the state, in Persian
            active = client.get("/rules", params={"run_state": "active"}).text
            assert f'href="/rules/{BUILTIN_ID}"' in active
            assert f'href="/rules/{ZEEK_RDP_ID}"' not in active
            detail = client.get(f"/rules/{ZEEK_RDP_ID}").text
            assert 'id="run-state">منبع ثبت پشتیبانی‌نشده<' in detail
            assert html.escape(RDP_REASON) in detail
            refused = client.get("/rules", params={"run_state": "sleeping"})
            assert refused.status_code == 422
    finally:
        ctx.close()


def test_filters_page_counts_drops_and_the_rule_shows_its_filter_and_override(
    settings: Settings, tmp_path: Path
) -> None:
    filter_id = str(uuid.uuid4())  # the process's drop counts outlive a test
    rule_dir, overrides = write_tuned_rules(tmp_path, filter_id)
    update = {
        "rule_dirs": [rule_dir],
        "rule_overrides_file": overrides,
        "alert_group_window_seconds": 0,
    }
    ctx = build_context(settings.model_copy(update=update))
    pipeline = start_pipeline(ctx, detector=build_detector(ctx), metrics=Metrics())
    try:
        records = failed_logins("10.20.1.5", 2) + failed_logins("183.62.140.253", 3)
        target = pipeline.worker.delivered + len(records)
        pipeline.spool.append(records)
        wait_until(lambda: pipeline.worker.delivered >= target, timeout=60, what="delivered")
        for client in _client(ctx):
            log_in(client, enrolled(ctx, "audrey", "auditor"))
            filters = client.get("/rules/filters")
            assert filters.status_code == 200
            row = _row(filters.text, f'<tr id="{filter_id}">')
            assert f'href="/rules/{SSH_SEEN_ID}"' in row
            assert re.search(r'class="dropped">۲<', row)  # the scanner's two failures
            rule = client.get(f"/rules/{SSH_SEEN_ID}").text
            assert f'href="/rules/filters#{filter_id}"' in rule
            override = _row(rule, '<td dir="ltr">level</td>')
            assert 'class="original">high<' in override
            assert 'class="overridden">critical<' in override
    finally:
        pipeline.stop()
        ctx.close()


def test_coverage_over_a_chosen_window_lists_tactics_and_blind_spots(
    ctx: Context, client: TestClient
) -> None:
    log_in(client, enrolled(ctx, "oscar", "soc_operator"))
    client.post("/preferences/language", data={"csrf": client.cookies["secops_csrf"], "lang": "en"})
    page = client.get("/rules/coverage", params={"window": "7d"})
    assert page.status_code == 200
    assert '<option value="7d" selected>' in page.text
    wanted = coverage.coverage(ctx, window="7d")
    assert wanted.tactics, "the built-in rules carry ATT&CK tactics"
    for tactic in wanted.tactics:
        assert f'<td dir="ltr">{tactic.id}</td><td>{tactic.rules}</td>' in page.text
    start = page.text.index('id="blind-logsources"')
    blind = page.text[start : page.text.index("</ul>", start)]
    assert wanted.blind_logsources  # no event was stored: every logsource is blind
    for key in wanted.blind_logsources:
        assert f"<li>{html.escape(key)}</li>" in blind
    typed = client.get("/rules/coverage", params={"window": "2w"})
    assert '<option value="2w" selected>' in typed.text
    refused = client.get("/rules/coverage", params={"window": "forever"})
    assert refused.status_code == 422
