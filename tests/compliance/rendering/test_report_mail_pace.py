"""Mailing a report: once per report per interval, every attempt audited, refused or not.

Repeating ``POST .../{id}/mail`` would flood the list with the same PDFs; the second
request within ``MAIL_INTERVAL`` gets 429 with Retry-After. A mail the relay could not
take is recorded as a failure and frees the slot, so it can be sent again at once
(and the scheduler, which mails each new report once, still owes it).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from auth.support import principal
from es_node import NodeAccess
from fastapi.testclient import TestClient
from smtp_inbox import Inbox, free_port
from stored_report import store_report

from api.app import create_app
from secops.audit import list_entries
from secops.compliance.rendering import mail
from secops.compliance.rendering.scheduled import renderings_job
from secops.context import Context, build_context
from secops.settings import Settings


@pytest.fixture
def mailing(settings: Settings, es_node: NodeAccess) -> Iterator[tuple[Context, int]]:
    port = free_port()
    ctx = build_context(
        Settings(
            dev_mode=True,
            namespace=settings.namespace,
            state_dir=settings.state_dir,
            cache_dir=settings.cache_dir,
            notify_smtp_host="127.0.0.1",
            notify_smtp_port=port,
            notify_smtp_from="secops@parliament.example",
            report_mail_to=["ciso@parliament.example"],
            **es_node.settings_fields(),
        )
    )
    try:
        yield ctx, port
    finally:
        ctx.close()


def test_a_report_is_mailed_once_per_interval_and_every_attempt_is_audited(
    mailing: tuple[Context, int],
) -> None:
    ctx, port = mailing
    signed = store_report(ctx)
    rid = signed["report_id"]
    # The sample report's generation time: the scheduler mails reports of the last days.
    a_day_later = datetime.fromisoformat(signed["generated_at"]) + timedelta(days=1)
    headers = principal(ctx, "audrey", "auditor")
    url = f"/api/v1/compliance/reports/{rid}/mail"
    inbox = Inbox()
    with TestClient(create_app(ctx.settings, context=ctx)) as client:
        # The relay is down: the attempt fails, is audited, and keeps no slot.
        down = client.post(url, headers=headers)
        assert down.status_code == 503, down.text
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            # The failure does not count as a mail: the scheduler still owes it.
            assert renderings_job(ctx, now=a_day_later) == [rid]
            again = client.post(url, headers=headers)
        finally:
            controller.stop()
    assert again.status_code == 429
    assert "at most once every" in again.json()["detail"]
    assert int(again.headers["retry-after"]) > 0
    assert len(inbox.messages) == 1
    ctx.es.indices.refresh(index=ctx.names.audit)
    entries = list_entries(ctx, action=mail.ACTION).entries
    assert sorted(e.outcome for e in entries) == ["failure", "failure", "success"]
    assert all(e.target == rid for e in entries)
