"""API keys are for systems: no key carries a role that changes state or answers for it.

Admin, SOC operator and auditor actions need a person who logs in with MFA. Creating
such a key is refused (API and CLI); a key of that kind stored earlier is refused when
it is presented.
"""

from __future__ import annotations

import pytest
from auth.support import principal
from fastapi.testclient import TestClient

from secops.auth import apikeys
from secops.auth.models import ApiKeyDoc
from secops.cli.main import main
from secops.context import Context
from secops.errors import InvalidInputError

PEOPLES_ROLES = ("admin", "soc_operator", "auditor")


@pytest.mark.parametrize("role", PEOPLES_ROLES)
def test_the_api_refuses_a_key_with_a_persons_role(
    ctx: Context, client: TestClient, role: str
) -> None:
    admin = principal(ctx, "ada", "admin")  # MFA just proved: the step-up is not what refuses
    resp = client.post(
        "/api/v1/apikeys", headers=admin, json={"name": "integration", "roles": ["ingest", role]}
    )
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"] == "InvalidInputError"
    assert f"only ingest; {role} need a person who logs in with MFA" in resp.json()["detail"]
    assert apikeys.list_keys(ctx) == []
    ok = client.post("/api/v1/apikeys", headers=admin, json={"name": "dms", "roles": ["ingest"]})
    assert ok.status_code == 201, ok.text


def test_the_service_and_the_cli_refuse_it_too(
    ctx: Context, cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(InvalidInputError, match="need a person who logs in with MFA"):
        apikeys.create(ctx, name="robot", roles=["soc_operator"], actor="system:test")
    assert main(["apikeys", "create", "robot", "--role", "admin"]) == 2
    assert "admin need a person who logs in with MFA" in capsys.readouterr().err
    assert apikeys.list_keys(ctx) == []


def test_a_stored_key_with_a_persons_role_is_refused_with_403(
    ctx: Context, client: TestClient
) -> None:
    created = apikeys.create(ctx, name="legacy", roles=["ingest"], actor="system:test")
    # What a key created before the limit looks like in the store.
    doc = ApiKeyDoc.model_validate(
        ctx.es.get(index=apikeys.index(ctx), id=created.apikey.id)["_source"]
    )
    doc.roles = ["admin", "ingest"]
    ctx.es.index(
        index=apikeys.index(ctx),
        id=created.apikey.id,
        document=doc.model_dump(mode="json"),
        refresh=True,
    )
    for headers in ({"X-API-Key": created.key}, {"Authorization": f"ApiKey {created.key}"}):
        resp = client.get("/api/v1/apikeys", headers=headers)
        assert resp.status_code == 403, resp.text
        assert "only a person with MFA may hold" in resp.json()["detail"]
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": created.key}).status_code == 403
    # The secret is checked first: a wrong one still answers 401, telling nothing.
    wrong = created.key[:-4] + ("AAAA" if not created.key.endswith("AAAA") else "BBBB")
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": wrong}).status_code == 401
