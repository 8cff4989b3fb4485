"""Reports in the console: sign a period report in either calendar, list it with its
period, download its JSON, HTML and PDF in Persian and English, verify each upload
(a changed byte refused), mail it; as the reports API does, for auditors and admins."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from es_node import NodeAccess
from fastapi.testclient import TestClient

from api.app import create_app
from secops import audit
from secops.compliance.periods import last_closed
from secops.compliance.rendering import mail
from secops.context import Context, build_context
from secops.settings import Settings

from .people import csrf_of, enrolled, log_in

PERSIAN_DIGITS = str.maketrans("0123456789", "".join(chr(0x06F0 + d) for d in range(10)))


def _result_class(html: str, panel: str) -> str:
    found = re.search(rf'class="panel ([^"]+)" id="{panel}"', html)
    assert found is not None, f"no #{panel} on the page"
    return found[1]


def _sign(client: TestClient, period: str, calendar: str) -> str:
    made = client.post(
        "/reports/periods",
        data={"csrf": csrf_of(client), "period": period, "calendar": calendar},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    return made.headers["location"].split("#")[1]


def test_sign_a_period_report_download_each_rendering_and_verify_it(
    ctx: Context, client: TestClient
) -> None:
    log_in(client, enrolled(ctx, "audrey", "auditor"))
    month = last_closed(
        datetime.now(UTC), calendar="solar_hijri", kind="month", timezone=ctx.settings.timezone
    )
    page = client.get("/reports")
    assert f'value="{month.label}"' in page.text  # the last closed month is suggested
    report_id = _sign(client, month.label, "solar_hijri")
    assert report_id == month.report_id
    assert _sign(client, month.label, "solar_hijri") == report_id  # signed once
    entries = audit.list_entries(ctx, action="report.generate").entries
    assert [(e.actor.name, e.target) for e in entries] == [("audrey", report_id)]

    listed = client.get("/reports").text  # Persian by default
    row = listed[listed.index(f'<tr id="{report_id}">') :].split("</tr>")[0]
    assert "هجری خورشیدی" in row
    assert month.label.translate(PERSIAN_DIGITS) in row

    base = f"/reports/{report_id}/download"
    signed = client.get(base, params={"format": "json"})
    assert signed.json()["report_id"] == report_id
    files: dict[str, bytes] = {}
    for fmt, media in (("pdf", "application/pdf"), ("html", "text/html")):
        for lang in ("fa", "en"):
            assert f'{base}?format={fmt}&amp;lang={lang}"' in row
            got = client.get(base, params={"format": fmt, "lang": lang})
            assert got.status_code == 200, got.text
            assert got.headers["content-type"].startswith(media)
            name = f"{report_id}.{lang}.{fmt}"
            assert got.headers["content-disposition"] == f'attachment; filename="{name}"'
            files[name] = got.content
    assert files[f"{report_id}.fa.pdf"].startswith(b"%PDF-")
    assert 'dir="rtl"' in files[f"{report_id}.fa.html"].decode()

    def verify(name: str, data: bytes) -> str:
        upload = {"document": (name, data, "application/octet-stream")}
        answer = client.post("/reports/verify", data={"csrf": csrf_of(client)}, files=upload)
        assert answer.status_code == 200, answer.text
        return answer.text

    manifest = client.get(base, params={"format": "manifest"})
    assert manifest.json()["report_id"] == report_id
    assert {f["name"] for f in manifest.json()["files"]} == set(files)
    signed_files = [(f"{report_id}.json", signed.content), ("m.json", manifest.content)]
    for name, data in [*files.items(), *signed_files]:
        assert "secret" in _result_class(verify(name, data), "verify-result"), name
    pdf = bytearray(files[f"{report_id}.fa.pdf"])
    pdf[len(pdf) // 2] ^= 0x01
    changed = verify("changed.pdf", bytes(pdf))
    assert "conflict" in _result_class(changed, "verify-result")
    assert "not_in_manifest" in changed

    bad = client.post(
        "/reports/periods",
        data={"csrf": csrf_of(client), "period": "14x5", "calendar": "solar_hijri"},
    )
    assert bad.status_code == 422
    assert "expected YYYY" in bad.text
    bad_format = client.get(base, params={"format": "doc"})
    assert bad_format.status_code == 422


def test_a_gregorian_period_is_listed_in_english_with_its_label(
    ctx: Context, client: TestClient
) -> None:
    log_in(client, enrolled(ctx, "ann", "admin"))
    client.post("/preferences/language", data={"csrf": csrf_of(client), "lang": "en"})
    quarter = last_closed(
        datetime.now(UTC), calendar="gregorian", kind="quarter", timezone=ctx.settings.timezone
    )
    report_id = _sign(client, quarter.label, "gregorian")
    listed = client.get("/reports").text
    row = listed[listed.index(f'<tr id="{report_id}">') :].split("</tr>")[0]
    assert f'Gregorian <bdi dir="ltr">{quarter.label}</bdi>' in row
    assert re.search(r'class="download-pdf-fa" download>Persian</a>', row)
    assert re.search(r'class="download-pdf-en" download>English</a>', row)


def test_an_operator_may_not_sign_or_download_reports(ctx: Context, client: TestClient) -> None:
    log_in(client, enrolled(ctx, "oscar", "soc_operator"))
    form = {"csrf": csrf_of(client), "period": "1404-01", "calendar": "solar_hijri"}
    assert client.post("/reports/periods", data=form).status_code == 403
    assert client.get("/reports/rpt-x/download?format=pdf&lang=fa").status_code == 403
    assert audit.list_entries(ctx, action="report.generate").entries == []


def test_mail_without_a_relay_says_which_setting_to_set(ctx: Context, client: TestClient) -> None:
    log_in(client, enrolled(ctx, "audrey", "auditor"))
    month = last_closed(
        datetime.now(UTC), calendar="solar_hijri", kind="month", timezone=ctx.settings.timezone
    )
    report_id = _sign(client, month.label, "solar_hijri")
    refused = client.post(f"/reports/{report_id}/mail", data={"csrf": csrf_of(client)})
    assert refused.status_code == 409
    assert "SECOPS_NOTIFY_SMTP_HOST" in refused.text


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def mailing(settings: Settings, es_node: NodeAccess) -> Iterator[tuple[Context, _Inbox]]:
    """A context whose reports are mailed to a list, through a relay of the test's own."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    inbox = _Inbox()
    relay = Controller(inbox, hostname="127.0.0.1", port=port)
    relay.start()
    update = {
        "notify_smtp_host": "127.0.0.1",
        "notify_smtp_port": port,
        "notify_smtp_from": "secops@parliament.example",
        "report_mail_to": ["presidium@parliament.example"],
    }
    ctx = build_context(settings.model_copy(update=update))
    try:
        yield ctx, inbox
    finally:
        ctx.close()
        relay.stop()


def test_an_auditor_mails_a_report_from_the_console(mailing: tuple[Context, _Inbox]) -> None:
    ctx, inbox = mailing
    with TestClient(create_app(ctx.settings, context=ctx)) as client:
        log_in(client, enrolled(ctx, "audrey", "auditor"))
        month = last_closed(
            datetime.now(UTC), calendar="solar_hijri", kind="month", timezone=ctx.settings.timezone
        )
        report_id = _sign(client, month.label, "solar_hijri")
        sent = client.post(f"/reports/{report_id}/mail", data={"csrf": csrf_of(client)})
        assert sent.status_code == 200, sent.text
        assert 'id="mail-result"' in sent.text
        assert "presidium@parliament.example" in sent.text
    [(recipients, message)] = inbox.messages
    assert recipients == ["presidium@parliament.example"]
    names = {part.get_filename() for part in message.walk() if part.get_filename()}
    assert f"{report_id}.fa.pdf" in names
    entry = audit.first_entry(ctx, action=mail.ACTION, target=report_id)
    assert entry is not None
    assert entry.actor.name == "audrey"
