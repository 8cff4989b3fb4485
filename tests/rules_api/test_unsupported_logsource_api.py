"""Rules of a logsource no mapping covers: state `unsupported_logsource` in the API and the
evidence of the rules-loaded control; a mapping file that adds the logsource activates them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from auth.support import person
from fastapi.testclient import TestClient

from secops.compliance import evaluate
from secops.compliance.controls import builtin_controls
from secops.context import Context, build_context
from secops.settings import Settings

SIGMA = Path(__file__).resolve().parents[2] / ".." / "shared" / "sigma"
ZEEK = SIGMA / "rules" / "network" / "zeek"
ZEEK_RDP_ID = "1fc0809e-06bf-4de3-ad52-25e5263b7623"  # zeek_rdp_public_listener.yml
BUILTIN_ID = "52fccf69-72d5-4801-9d53-21b66d1f15ae"  # rules/linux/account_or_group_created.yml
RDP_REASON = "unsupported logsource: no mapping entry covers product=zeek, service=rdp"


ZEEK_RDP_MAPPING = """logsources:
  - logsource: {product: zeek, service: rdp}
    conditions: [{event.dataset: zeek.rdp}]
"""


@pytest.fixture
def ctx(settings: Settings, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Context]:
    """The zeek rules of SigmaHQ loaded; with the parameter "mapped", a mapping of zeek rdp."""
    update: dict[str, object] = {"rule_dirs": [ZEEK]}
    if getattr(request, "param", None) == "mapped":
        mapping = tmp_path / "zeek.yml"
        mapping.write_text(ZEEK_RDP_MAPPING)
        update["detect_mapping_file"] = mapping
    context = build_context(settings.model_copy(update=update))
    yield context
    context.close()


def _rules(client: TestClient, headers: dict[str, str], **params: object) -> dict[str, dict]:
    resp = client.get("/api/v1/rules", params={"limit": 500, **params}, headers=headers)
    assert resp.status_code == 200, resp.text
    return {r["id"]: r for r in resp.json()["items"]}


def test_rules_of_an_unmapped_logsource_are_listed_inactive_with_the_reason(
    ctx: Context, client: TestClient
) -> None:
    auditor = person(ctx, client, "audrey", "auditor")
    everything = _rules(client, auditor)
    rdp = everything[ZEEK_RDP_ID]
    assert rdp["run_state"] == "unsupported_logsource"
    assert rdp["inactive_reason"] == RDP_REASON
    assert rdp["enabled"] is True  # nobody switched it off; it just has no events to see
    assert everything[BUILTIN_ID]["run_state"] == "active"
    assert everything[BUILTIN_ID]["inactive_reason"] is None

    inactive = _rules(client, auditor, run_state="unsupported_logsource")
    zeek_files = {p.name for p in ZEEK.glob("*.yml")}
    assert len(inactive) == len(zeek_files)
    assert {Path(r["path"]).name for r in inactive.values()} == zeek_files
    assert all("product=zeek" in r["inactive_reason"] for r in inactive.values())
    active = _rules(client, auditor, run_state=["active", "disabled"])
    assert BUILTIN_ID in active
    assert not set(active) & set(inactive)
    assert (
        client.get("/api/v1/rules", params={"run_state": "sleeping"}, headers=auditor).status_code
        == 422
    )

    detail = client.get(f"/api/v1/rules/{ZEEK_RDP_ID}", headers=auditor).json()
    assert (detail["run_state"], detail["inactive_reason"]) == ("unsupported_logsource", RDP_REASON)


def test_the_rules_loaded_control_lists_inactive_rules_in_its_evidence(ctx: Context) -> None:
    (control,) = [c for c in builtin_controls() if c.check == "rules_loaded"]
    (result,) = evaluate(ctx, controls=[control]).results
    assert result.status == "pass"  # inactive is not a load error
    listed = {r["rule_id"]: r for r in result.evidence["unsupported_logsource"]}
    assert listed[ZEEK_RDP_ID]["reason"] == RDP_REASON
    assert listed[ZEEK_RDP_ID]["path"].endswith("zeek_rdp_public_listener.yml")
    assert result.evidence["unsupported_logsource_count"] == len(list(ZEEK.glob("*.yml")))
    assert "inactive: unsupported logsource" in result.summary


@pytest.mark.parametrize("ctx", ["mapped"], indirect=True)
def test_a_mapping_file_that_adds_the_logsource_activates_its_rules(
    ctx: Context, client: TestClient
) -> None:
    auditor = person(ctx, client, "audrey", "auditor")
    assert _rules(client, auditor)[ZEEK_RDP_ID]["run_state"] == "active"
    inactive = _rules(client, auditor, run_state="unsupported_logsource")
    assert ZEEK_RDP_ID not in inactive
    assert len(inactive) == len(list(ZEEK.glob("*.yml"))) - 1


def test_validating_a_rule_of_an_unmapped_logsource_warns_that_it_is_inactive(
    ctx: Context, client: TestClient
) -> None:
    operator = person(ctx, client, "oscar", "soc_operator")
    yaml_body = {"Content-Type": "application/yaml", **operator}
    text = (ZEEK / "zeek_rdp_public_listener.yml").read_text(encoding="utf-8")
    resp = client.post("/api/v1/rules/validate", content=text, headers=yaml_body)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["ok"], body["loaded"], body["errors"]) == (True, 1, [])
    assert body["warnings"] == [
        f"inactive (unsupported_logsource): Publicly Accessible RDP Service: {RDP_REASON}"
    ]
