"""Any closed period can be asked for by CLI and API, is signed once, and verifies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from auth.support import principal
from fastapi.testclient import TestClient

from secops.cli.main import main
from secops.context import Context


def test_cli_signs_a_half_year_once_and_it_verifies(
    cli_ctx: Context, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "h1.json"
    assert main(["report", "generate", "--period", "1404-H1", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "rpt-solar_hijri-half_year-1404-H1" in said
    assert "signed before" not in said
    document = json.loads(out.read_text())
    assert document["format"] == "secops.compliance-report/2"
    assert document["period"] == {
        "calendar": "solar_hijri",
        "kind": "half_year",
        "label": "1404-H1",
        "start": "2025-03-21T00:00:00+03:30",
        "end": "2025-09-23T00:00:00+03:30",
        "timezone": "Asia/Tehran",
    }
    assert document["previous_period"]["label"] == "1403-H2"
    assert main(["report", "verify", str(out), "--online"]) == 0
    capsys.readouterr()

    again = tmp_path / "again.json"
    assert main(["report", "generate", "--period", "1404-H1", "--out", str(again)]) == 0
    assert "signed before, unchanged" in capsys.readouterr().out
    assert json.loads(again.read_text())["hash"] == document["hash"]

    gregorian = tmp_path / "g.json"
    args = ["report", "generate", "--period", "2025-Q2", "--calendar", "gregorian"]
    assert main([*args, "--out", str(gregorian)]) == 0
    assert json.loads(gregorian.read_text())["period"]["start"] == "2025-04-01T00:00:00+03:30"


def test_cli_refuses_a_bad_or_open_period(cli_ctx: Context) -> None:
    assert main(["report", "generate", "--period", "1405-H3"]) != 0
    assert main(["report", "generate", "--period", "2026-H1"]) != 0  # Gregorian year
    assert main(["report", "generate", "--period", "1499"]) != 0  # not closed


def test_api_signs_a_period_once(ctx: Context, client: TestClient) -> None:
    auditor = principal(ctx, "audrey", "auditor")
    soc = principal(ctx, "oscar", "soc_operator")
    url = "/api/v1/compliance/reports/periods"
    body = {"period": "1404-12"}
    assert client.post(url, json=body).status_code == 401
    assert client.post(url, json=body, headers=soc).status_code == 403
    created = client.post(url, json=body, headers=auditor)
    assert created.status_code == 201, created.text
    assert created.json()["report_id"] == "rpt-solar_hijri-month-1404-12"
    again = client.post(url, json=body, headers=auditor)
    assert again.status_code == 200
    assert again.json()["hash"] == created.json()["hash"]
    document = created.json()["document"]
    verified = client.post("/api/v1/compliance/reports/verify", json=document, headers=auditor)
    assert verified.json()["intact"] is True

    bad = client.post(url, json={"period": "1404-H9"}, headers=auditor)
    assert bad.status_code == 422
    assert "1404-H9" in bad.text
    extra = client.post(url, json={"period": "1404", "calendar": "julian"}, headers=auditor)
    assert extra.status_code == 422
