"""Query and path inputs of the newer routes: bounded, validated, refused with a message.

``coverage?window=`` takes a duration up to the retention of events (a huge one
overflowed the date arithmetic into a 500); report ids have one shape; the upload
to ``verify-file`` is bounded in size and parts.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from auth.support import principal
from fastapi.testclient import TestClient

from secops.context import Context
from secops.errors import InvalidInputError
from secops.rules.coverage import parse_window


@pytest.mark.parametrize("window", ["999999999w", "1000000d", "9" * 16, "401d", "58w", "\u0661d"])
def test_a_window_longer_than_the_retention_or_not_ascii_is_refused(window: str) -> None:
    with pytest.raises(InvalidInputError, match="window"):
        parse_window(window, longest=timedelta(days=400))


def test_coverage_windows_are_answered_with_a_4xx_and_a_message(
    ctx: Context, client: TestClient
) -> None:
    auditor = principal(ctx, "audrey", "auditor")
    for window in ("99999999d", "1000000d", "999999w", "401d"):
        answer = client.get(f"/api/v1/rules/coverage?window={window}", headers=auditor)
        assert answer.status_code == 422, (window, answer.status_code)
        assert "window" in answer.json()["detail"]
    assert client.get("/api/v1/rules/coverage?window=400d", headers=auditor).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/compliance/reports/{id}",
        "/api/v1/compliance/reports/{id}/manifest",
        "/api/v1/compliance/reports/{id}/rendering?format=html",
    ],
)
def test_report_ids_of_another_shape_are_refused_before_the_store(
    ctx: Context, client: TestClient, path: str
) -> None:
    auditor = principal(ctx, "audrey", "auditor")
    for bad in ('rpt-a"b', "rpt-..", "rpt-a b", "x" * 70, "rpt-" + "a" * 77):
        answer = client.get(path.format(id=bad), headers=auditor)
        assert answer.status_code == 422, (bad, answer.status_code)
        assert answer.json()["detail"]
    ok = client.get(path.format(id="rpt-solar_hijri-half_year-1405-H1"), headers=auditor)
    assert ok.status_code == 404  # the shape is right; there is no such report


def test_mail_of_a_report_id_of_another_shape_is_refused(ctx: Context, client: TestClient) -> None:
    auditor = principal(ctx, "audrey", "auditor")
    answer = client.post('/api/v1/compliance/reports/rpt-"x/mail', headers=auditor)
    assert answer.status_code == 422


def test_verify_file_uploads_are_bounded_in_parts_and_need_a_file(
    ctx: Context, client: TestClient
) -> None:
    auditor = principal(ctx, "audrey", "auditor")
    url = "/api/v1/compliance/reports/verify-file"
    many = [("file", (f"f{i}", b"x")) for i in range(1200)]
    answer = client.post(url, files=many, headers=auditor)
    assert answer.status_code in (400, 413, 422), answer.status_code
    assert answer.json()["detail"]
    no_file = client.post(url, data={"file": "not a file"}, headers=auditor)
    assert no_file.status_code == 422
    as_json = client.post(url, json={"file": "x"}, headers=auditor)
    assert as_json.status_code == 422
    bad_manifest = client.post(
        url,
        files={"file": ("a.pdf", b"%PDF-"), "manifest": ("m.json", b"{not json")},
        headers=auditor,
    )
    assert bad_manifest.status_code == 422
    assert "manifest" in bad_manifest.json()["detail"]


def test_deeply_nested_json_uploads_are_refused_not_a_server_error(
    ctx: Context, client: TestClient
) -> None:
    auditor = principal(ctx, "audrey", "auditor")
    url = "/api/v1/compliance/reports/verify-file"
    deep = b"[" * 200_000 + b"]" * 200_000  # within the body cap, past Python's recursion
    as_file = client.post(url, files={"file": ("r.json", deep)}, headers=auditor)
    assert as_file.status_code == 200, as_file.text
    assert (as_file.json()["intact"], as_file.json()["reason"]) == (False, "malformed")
    as_manifest = client.post(
        url, files={"file": ("a.pdf", b"%PDF-"), "manifest": ("m.json", deep)}, headers=auditor
    )
    assert as_manifest.status_code == 422, as_manifest.text
    assert "manifest" in as_manifest.json()["detail"]


def test_an_upload_past_the_body_cap_is_refused_with_413(ctx: Context, client: TestClient) -> None:
    auditor = principal(ctx, "audrey", "auditor")
    big = b"%PDF-" + b"0" * ctx.settings.api_max_body_bytes
    answer = client.post(
        "/api/v1/compliance/reports/verify-file", files={"file": ("r.pdf", big)}, headers=auditor
    )
    assert answer.status_code == 413
    assert answer.json()["detail"]
