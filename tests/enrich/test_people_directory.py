"""The people directory in Elasticsearch: atomic replace, audit, CLI and API, all against
the real node."""

from __future__ import annotations

from pathlib import Path

import pytest
from auth.support import principal
from fastapi.testclient import TestClient

from secops import audit
from secops.cli.main import main
from secops.context import Context
from secops.enrich.directory import DirectoryRejectedError
from secops.enrich.service import import_people, list_people, load_directory
from secops.errors import ConflictError
from secops.store.people import LOCK_KEY, POINTER_KIND, import_lock, people_index
from secops.store.state import state_id

FIRST = """user,clearance,committees,aliases,display_name
mrossi,secret,defence;budget,M0421,Maria Rossi
lbianchi,internal,,,
"""
SECOND = """user,clearance,committees,aliases
mrossi,confidential,defence,M0421
gverdi,public,,M0007
"""
BAD = """user,clearance,committees,aliases
fine,public,,
bad user,public,,
worse,ultra,,
"""


def _imports(ctx: Context) -> list[audit.AuditEntry]:
    ctx.es.indices.refresh(index=ctx.names.audit)
    return list(audit.list_entries(ctx, action="context.people.import").entries)


def _stored(ctx: Context) -> int:
    ctx.es.indices.refresh(index=people_index(ctx.names))
    return int(ctx.es.count(index=people_index(ctx.names))["count"])


def test_import_replaces_atomically_and_is_audited(ctx: Context) -> None:
    first = import_people(ctx, text=FIRST, source="first.csv", actor="system:test")
    assert (first.directory.count, first.previous_generation) == (2, None)
    second = import_people(ctx, text=SECOND, source="second.csv", actor="system:test")
    assert second.previous_generation == first.directory.generation
    assert second.previous_count == 2
    directory = load_directory(ctx)
    assert directory.generation == second.directory.generation
    assert sorted(p.user for p in directory.people) == ["gverdi", "mrossi"]
    assert directory.lookup("lbianchi") is None
    assert _stored(ctx) == 2  # the first generation is gone
    # A file with one bad row changes nothing, and says which rows.
    with pytest.raises(DirectoryRejectedError) as info:
        import_people(ctx, text=BAD, source="bad.csv", actor="system:test")
    assert [r.split(": ")[0] for r in info.value.rows] == ["bad.csv:3", "bad.csv:4"]
    assert load_directory(ctx).generation == second.directory.generation
    assert _stored(ctx) == 2
    entries = _imports(ctx)
    assert [e.outcome for e in entries] == ["failure", "success", "success"]  # newest first
    assert entries[0].details["rejected_rows"] == 2
    assert entries[1].details["count"] == 2
    assert entries[1].details["previous_generation"] == first.directory.generation


def test_cli_import(cli_ctx: Context, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "people.csv"
    good.write_text(FIRST)
    assert main(["context", "import", "people", str(good)]) == 0
    assert "2 people" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD)
    assert main(["context", "import", "people", str(bad)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{bad}:3: user 'bad user'")
    assert err[1].startswith(f"{bad}:4: clearance 'ultra'")
    assert [p.user for p in load_directory(cli_ctx).people] == ["mrossi", "lbianchi"]
    entries = _imports(cli_ctx)
    assert entries[0].actor.name.startswith("system:cli:")


def test_api_roles_step_up_and_rows(ctx: Context, client: TestClient) -> None:
    admin = principal(ctx, "ada", "admin")
    stale = principal(ctx, "sam", "admin", mfa_age=ctx.settings.step_up_window_seconds + 60)
    operator = principal(ctx, "oscar", "soc_operator")
    auditor = principal(ctx, "aud", "auditor")
    csv_type = {"Content-Type": "text/csv"}
    url = "/api/v1/context/people"

    assert client.put(url, content=FIRST, headers={**stale, **csv_type}).status_code == 403
    assert client.put(url, content=FIRST, headers={**operator, **csv_type}).status_code == 403
    assert list_people(ctx).directory is None

    done = client.put(url, content=FIRST, headers={**admin, **csv_type})
    assert done.status_code == 200, done.text
    assert done.json()["directory"]["count"] == 2

    refused = client.put(url, content=BAD, headers={**admin, **csv_type})
    assert refused.status_code == 422
    assert refused.json()["rows"][0].startswith("body:3: user 'bad user'")
    assert refused.json()["rows"][1].startswith("body:4: clearance 'ultra'")

    for reader in (admin, operator, auditor):
        got = client.get(url, headers=reader)
        assert got.status_code == 200, got.text
        assert [p["user"] for p in got.json()["people"]] == ["mrossi", "lbianchi"]
    body = client.get(url, headers=auditor).json()
    assert body["people"][0]["aliases"] == ["M0421"]
    assert body["directory"]["loaded_by"] == "ada"
    entries = _imports(ctx)
    assert [(e.actor.name, e.outcome) for e in entries] == [
        ("ada", "failure"),
        ("ada", "success"),
    ]


def test_imports_take_turns(ctx: Context) -> None:
    import_people(ctx, text=FIRST, source="first.csv", actor="system:test")
    with (
        import_lock(ctx.es, ctx.names, owner="someone"),
        pytest.raises(ConflictError, match="another import"),
    ):
        import_people(ctx, text=SECOND, source="second.csv", actor="system:test")
    assert sorted(p.user for p in load_directory(ctx).people) == ["lbianchi", "mrossi"]
    # A lock left by an import that died long ago is taken over.
    stale = {"kind": POINTER_KIND, "key": LOCK_KEY, "updated_at": 0, "data": {"owner": "x"}}
    ctx.es.index(index=ctx.names.state, id=state_id(POINTER_KIND, LOCK_KEY), document=stale)
    import_people(ctx, text=SECOND, source="second.csv", actor="system:test")
    assert sorted(p.user for p in load_directory(ctx).people) == ["gverdi", "mrossi"]
