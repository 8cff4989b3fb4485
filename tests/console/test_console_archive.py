"""The archive in the console: auditors and administrators read it, administrators
restore a snapshot (audited by the service, refused or not), operators are kept out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from secops.archive.service import archive_state, run_retention
from secops.audit import list_entries
from secops.context import Context

from .people import csrf_of, enrolled, log_in


def _archive_one(ctx: Context) -> str:
    stream = ctx.names.events_stream("linux.sshd")
    ts = (datetime.now(UTC) - timedelta(days=420)).isoformat()
    ctx.es.create(index=stream, id="old", document={"@timestamp": ts, "message": "old"})
    ctx.es.indices.refresh(index=stream)
    run_retention(ctx, rollover_after_hours=0)
    [snapshot] = archive_state(ctx).snapshots
    return snapshot.snapshot


def test_auditors_read_the_archive_and_administrators_restore(
    ctx: Context, client: TestClient, archive_repository: str
) -> None:
    snapshot = _archive_one(ctx)
    restore = f"/archive/{snapshot}/restore"

    log_in(client, enrolled(ctx, "oscar", "soc_operator"))
    assert client.get("/archive").status_code == 403
    assert 'href="/archive"' not in client.get("/").text

    log_in(client, enrolled(ctx, "audrey", "auditor"))
    page = client.get("/archive")
    assert page.status_code == 200
    assert archive_repository in page.text
    assert f'<tr id="{snapshot}">' in page.text
    assert 'class="restore"' not in page.text  # no button for an auditor
    assert client.post(restore, data={"csrf": csrf_of(client)}).status_code == 403

    log_in(client, enrolled(ctx, "ann", "admin"))
    assert 'class="restore"' in client.get("/archive").text
    done = client.post(restore, data={"csrf": csrf_of(client)}, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"/archive#{snapshot}"
    [restored] = archive_state(ctx).snapshots
    assert restored.restored_as
    after = client.get("/archive").text
    assert restored.restored_as in after
    assert 'class="restore"' not in after  # restored already
    again = client.post(restore, data={"csrf": csrf_of(client)})
    assert again.status_code == 409
    assert "searchable already" in again.text
    assert client.post(restore, data={}).status_code == 403  # no CSRF token
    missing = client.post("/archive/secops-none-x/restore", data={"csrf": csrf_of(client)})
    assert missing.status_code == 404

    ctx.es.indices.refresh(index=ctx.names.audit)
    trail = list_entries(ctx, action="archive.restore").entries
    assert [(e.actor.name, e.outcome) for e in trail] == [
        ("ann", "failure"),
        ("ann", "failure"),
        ("ann", "success"),
    ]
