"""`secops archive list|restore` show the archive and bring one snapshot back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from secops.archive.service import run_retention
from secops.cli.main import main
from secops.context import Context


def test_list_then_restore_an_archived_period(
    cli_ctx: Context, archive_repository: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stream = cli_ctx.names.events_stream("linux.sshd")
    ts = (datetime.now(UTC) - timedelta(days=430)).isoformat()
    for i in range(2):
        cli_ctx.es.create(index=stream, id=f"e{i}", document={"@timestamp": ts, "message": "x"})
    cli_ctx.es.indices.refresh(index=stream)
    run_retention(cli_ctx, rollover_after_hours=0)

    assert main(["archive", "list"]) == 0
    out = capsys.readouterr().out
    assert f"repository {archive_repository} (fs " in out
    assert "SUCCESS  2 events" in out
    assert main(["archive", "list", "--json"]) == 0
    [snap] = json.loads(capsys.readouterr().out)["snapshots"]
    assert snap["oldest"][:10] == ts[:10]

    assert main(["archive", "restore", snap["snapshot"]]) == 0
    assert "restored 2 events" in capsys.readouterr().out
    assert main(["archive", "restore", snap["snapshot"]]) == 2
    assert "searchable already" in capsys.readouterr().err
    assert main(["archive", "list"]) == 0
    assert "restored as secops-" in capsys.readouterr().out
