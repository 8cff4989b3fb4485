"""/api/v1/sources after a running pipeline ingested a few records: counts and silence."""

from __future__ import annotations

import time

from auth.support import person
from fastapi.testclient import TestClient
from polling import wait_until
from rules_api_support import sshd_failures

from api.app import create_app
from secops.accounting import Metrics
from secops.context import Context
from secops.pipeline.service import start_pipeline
from secops.records import RawRecord, Source


def test_sources_show_counts_and_who_went_silent(ctx: Context) -> None:
    pipeline = start_pipeline(ctx, metrics=Metrics())  # counts of this test alone
    portal = Source("http", host="portal-1", application="legislative-portal")
    try:
        pipeline.spool.append(sshd_failures(0, 5))
        pipeline.spool.append(
            [
                RawRecord(source=portal, received_at=time.time(), message=f"hello {i}")
                for i in (1, 2)
            ]
        )
        wait_until(lambda: pipeline.worker.delivered >= 7, timeout=60, what="7 records delivered")
    finally:
        pipeline.stop()  # saves the source totals
    ctx.es.indices.refresh(index=ctx.names.state)

    with TestClient(create_app(ctx.settings, context=ctx)) as client:
        auditor = person(ctx, client, "audrey", "auditor")
        assert client.get("/api/v1/sources").status_code == 401
        resp = client.get("/api/v1/sources", headers=auditor)
        assert resp.status_code == 200, resp.text
        by_host = {s["host"]: s for s in resp.json()}
        assert set(by_host) == {"LabSZ", "portal-1"}
        sshd = by_host["LabSZ"]
        assert (sshd["input"], sshd["application"]) == ("syslog-tcp", "sshd")
        assert (sshd["received"], sshd["indexed"], sshd["dropped"]) == (5, 5, 0)
        assert sshd["parsed"] + sshd["unparsed"] == 5
        assert sshd["first_seen"] <= sshd["last_seen"]
        assert 0 <= sshd["silent_for_seconds"] < 120
        assert by_host["portal-1"]["received"] == 2

        def silent(after: float) -> list[str]:
            found = client.get("/api/v1/sources", params={"silent_after": after}, headers=auditor)
            assert found.status_code == 200, found.text
            return sorted(s["host"] for s in found.json())

        assert silent(3600) == []  # nobody has been silent for an hour
        time.sleep(0.05)
        assert silent(0) == ["LabSZ", "portal-1"]
        assert (
            client.get("/api/v1/sources", params={"silent_after": -1}, headers=auditor).status_code
            == 422
        )
        operator = person(ctx, client, "oscar", "soc_operator")
        assert client.get("/api/v1/sources", headers=operator).status_code == 200
