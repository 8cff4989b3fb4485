"""Renderings kept beside a stored report: rendered once, downloaded, checked, mailed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from auth.support import principal
from es_node import NodeAccess
from fastapi.testclient import TestClient
from smtp_inbox import Inbox, free_port
from stored_report import store_report

from secops import audit
from secops.cli.main import main
from secops.compliance import reports
from secops.compliance.rendering import mail, service
from secops.context import Context, build_context
from secops.settings import Settings


def test_a_report_is_rendered_once_and_its_manifest_recorded(ctx: Context) -> None:
    signed = store_report(ctx)
    first = service.publish(ctx, report_id=signed["report_id"], actor="system:test")
    again = service.publish(ctx, report_id=signed["report_id"], actor="system:test")
    assert again == first  # the stored manifest, not a second rendering
    assert first["report_hash"] == signed["hash"]
    assert sorted((f["kind"], f["lang"]) for f in first["files"]) == [
        ("html", "en"),
        ("html", "fa"),
        ("pdf", "en"),
        ("pdf", "fa"),
    ]
    entry = audit.first_entry(ctx, action=service.ACTION, target=signed["report_id"])
    assert entry is not None
    assert entry.details["manifest_hash"] == first["hash"]
    _, pdf = service.rendering(
        ctx, report_id=signed["report_id"], kind="pdf", lang="fa", actor="system:test"
    )
    assert service.verify_file(pdf, ctx=ctx).intact  # stored manifest, deployment key, audit


def test_api_downloads_each_rendering_and_verifies_uploads(
    ctx: Context, client: TestClient
) -> None:
    signed = store_report(ctx)
    rid = signed["report_id"]
    auditor = principal(ctx, "audrey", "auditor")
    soc = principal(ctx, "oscar", "soc_operator")
    base = f"/api/v1/compliance/reports/{rid}"

    assert client.get(f"{base}/rendering?format=pdf&lang=fa", headers=soc).status_code == 403
    assert client.get(f"{base}/rendering?format=doc", headers=auditor).status_code == 422
    missing = client.get("/api/v1/compliance/reports/rpt-none/rendering", headers=auditor)
    assert missing.status_code == 404

    manifest = client.get(f"{base}/manifest", headers=auditor).json()
    listed = {(f["kind"], f["lang"]): f for f in manifest["files"]}
    downloads = {}
    for kind in ("pdf", "html"):
        for lang in ("fa", "en"):
            got = client.get(f"{base}/rendering?format={kind}&lang={lang}", headers=auditor)
            assert got.status_code == 200
            assert got.headers["x-content-sha256"] == listed[kind, lang]["sha256"]
            assert listed[kind, lang]["name"] in got.headers["content-disposition"]
            downloads[kind, lang] = got.content
    assert downloads["pdf", "fa"].startswith(b"%PDF-")
    assert got.headers["content-type"].startswith("text/html")
    as_json = client.get(f"{base}/rendering?format=json", headers=auditor)
    assert as_json.json() == signed

    def verify(data: bytes, **extra: Any) -> dict[str, Any]:
        files: dict[str, Any] = {"file": ("upload", data), **extra}
        answer = client.post("/api/v1/compliance/reports/verify-file", files=files, headers=auditor)
        assert answer.status_code == 200, answer.text
        return answer.json()

    checked = verify(downloads["pdf", "fa"])
    assert (checked["intact"], checked["kind"], checked["lang"]) == (True, "pdf", "fa")
    assert checked["key_source"] == "deployment"
    assert verify(downloads["html", "en"])["intact"] is True
    # The JSON is checked by the report's own verifier (hash, key, report.generate entry).
    assert verify(as_json.content)["intact"] is reports.verify_report(signed, ctx=ctx).intact
    assert verify(json.dumps(manifest).encode())["intact"] is True

    pdf = bytearray(downloads["pdf", "fa"])
    pdf[-200] ^= 0x01
    altered = verify(bytes(pdf))
    assert (altered["intact"], altered["reason"]) == (False, "not_in_manifest")
    with_manifest = verify(bytes(pdf), manifest=("m.json", json.dumps(manifest).encode()))
    assert (with_manifest["intact"], with_manifest["reason"]) == (False, "not_in_manifest")
    garbage = verify(b"not a report")
    assert (garbage["intact"], garbage["reason"]) == (False, "malformed")


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def test_a_report_is_mailed_with_its_pdfs_to_the_configured_list(
    settings: Settings, es_node: NodeAccess, smtp_server: tuple[int, Inbox], tmp_path: Path
) -> None:
    port, inbox = smtp_server
    mailing = Settings(
        dev_mode=True,
        namespace=settings.namespace,
        state_dir=settings.state_dir,
        cache_dir=settings.cache_dir,
        notify_smtp_host="127.0.0.1",
        notify_smtp_port=port,
        notify_smtp_from="secops@parliament.example",
        report_mail_to=["presidium@parliament.example", "ciso@parliament.example"],
        **es_node.settings_fields(),
    )
    ctx = build_context(mailing)
    try:
        signed = store_report(ctx)
        sent = mail.mail_report(ctx, report_id=signed["report_id"], actor="system:test")
        [(recipients, msg)] = inbox.messages
        assert recipients == ["presidium@parliament.example", "ciso@parliament.example"]
        assert sent.recipients == recipients
        assert "1405-H1" in msg["Subject"]
        parts: dict[str, bytes] = {}
        for part in msg.walk():
            payload = part.get_payload(decode=True)
            if part.get_filename() and isinstance(payload, bytes):
                parts[str(part.get_filename())] = payload
        rid = signed["report_id"]
        assert set(parts) == {
            f"{rid}.fa.pdf",
            f"{rid}.en.pdf",
            f"{rid}.json",
            f"{rid}.manifest.json",
        }
        manifest = json.loads(parts[f"{rid}.manifest.json"])
        for name in (f"{rid}.fa.pdf", f"{rid}.en.pdf"):
            assert service.verify_file(parts[name], manifest=manifest, ctx=ctx).intact
        assert audit.first_entry(ctx, action=mail.ACTION, target=rid) is not None
    finally:
        ctx.close()


def test_mail_without_a_list_is_refused_with_the_setting_to_set(ctx: Context) -> None:
    from secops.errors import ConflictError

    signed = store_report(ctx)
    with pytest.raises(ConflictError, match="SECOPS_"):
        mail.mail_report(ctx, report_id=signed["report_id"], actor="system:test")


def test_cli_exports_a_report_and_verifies_each_file_online(
    cli_ctx: Context, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    signed = store_report(cli_ctx)
    rid = signed["report_id"]
    out = tmp_path / "bundle"
    assert main(["report", "export", rid, "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [f"{rid}.json", f"{rid}.manifest.json"]
        + [f"{rid}.{lang}.{kind}" for lang in ("en", "fa") for kind in ("html", "pdf")]
    )
    for name in names:
        if name != f"{rid}.json":  # the JSON's own online check is the report generator's
            assert main(["report", "verify", str(out / name), "--online"]) == 0, name
    pdf = bytearray((out / f"{rid}.en.pdf").read_bytes())
    pdf[500] ^= 0x01
    (out / f"{rid}.en.pdf").write_bytes(bytes(pdf))
    capsys.readouterr()
    assert main(["report", "verify", str(out / f"{rid}.en.pdf"), "--online"]) == 1
    assert "not_in_manifest" in capsys.readouterr().err


def test_the_scheduled_job_renders_new_reports_of_format_2_once(ctx: Context) -> None:
    from datetime import UTC, datetime, timedelta

    from secops.compliance.rendering.scheduled import renderings_job
    from secops.compliance.reports import generate_report

    now = datetime.now(UTC)
    old = generate_report(  # format 1: stays as it is
        ctx, period_start=now - timedelta(days=30), period_end=now - timedelta(days=1), now=now
    )
    signed = store_report(ctx)
    assert renderings_job(ctx) == [signed["report_id"]]
    assert service.has_renderings(ctx, signed["report_id"])
    assert not service.has_renderings(ctx, old.report_id)
    assert renderings_job(ctx) == []  # nothing owed any more


def test_two_processes_running_the_job_at_once_mail_a_report_once(
    settings: Settings, es_node: NodeAccess, smtp_server: tuple[int, Inbox]
) -> None:
    from datetime import datetime, timedelta

    from secops.compliance.rendering.scheduled import renderings_job

    port, inbox = smtp_server
    mailing = settings.model_copy(
        update={
            "notify_smtp_host": "127.0.0.1",
            "notify_smtp_port": port,
            "notify_smtp_from": "secops@parliament.example",
            "report_mail_to": ["presidium@parliament.example"],
        }
    )
    contexts = [build_context(mailing) for _ in range(2)]
    try:
        signed = store_report(contexts[0])
        now = datetime.fromisoformat(signed["generated_at"]) + timedelta(hours=1)
        barrier = threading.Barrier(2)
        acted: list[list[str]] = [[], []]

        def run(i: int) -> None:
            barrier.wait()
            acted[i] = renderings_job(contexts[i], now=now)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [signed["report_id"]] in acted
        assert len(inbox.messages) == 1
        contexts[0].es.indices.refresh(index=contexts[0].names.audit)
        entries = audit.list_entries(contexts[0], action=mail.ACTION).entries
        sent = [e.target for e in entries if e.outcome == "success"]
        assert sent == [signed["report_id"]]
        # The process that found the mail slot taken says so in the trail, and sends nothing.
        assert all("at most once" in e.details["error"] for e in entries if e.outcome != "success")
        assert renderings_job(contexts[1], now=now) == []  # mailed: nothing owed
    finally:
        for c in contexts:
            c.close()
