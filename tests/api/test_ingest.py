"""POST /api/v1/ingest up to the spool: bodies, API keys, limits, errors per line.

These tests stop at the sink (a list in memory): what reaches Elasticsearch is
tested in tests/collectors/test_syslog_to_store.py and the pipeline's own tests.
"""

from __future__ import annotations

import threading
import tracemalloc
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.routes.ingest import ingest_api_key
from api.security import policy_of
from collectors.http import BATCH_RECORDS
from secops.auth.principals import Role
from secops.context import build_context
from secops.errors import SpoolFullError
from secops.records import DEFAULT_MAX_RECORD_BYTES, RawRecord
from secops.settings import Settings
from secops.spool import Spool

KEY = "k-" + "a" * 30
HEADERS = {"X-API-Key": KEY}


class ListSink:
    def __init__(self) -> None:
        self.records: list[RawRecord] = []
        self.full = False
        self._lock = threading.Lock()

    def append(self, records: Sequence[RawRecord]) -> None:
        if self.full:
            raise SpoolFullError("full (test)")
        with self._lock:
            self.records.extend(records)


@pytest.fixture
def sink() -> ListSink:
    return ListSink()


def make_client(tmp_path: Path, sink: ListSink, **overrides: Any) -> TestClient:
    # No Elasticsearch is contacted: templates are not applied and no route here queries it.
    settings = Settings(
        dev_mode=True,
        state_dir=tmp_path,
        es_url="http://127.0.0.1:9",
        ingest_api_keys=[SecretStr(KEY)],
        **overrides,
    )
    ctx = build_context(settings, apply_templates=False)
    app = create_app(settings, context=ctx)
    app.state.sink = sink
    return TestClient(app)


@pytest.fixture
def client(tmp_path: Path, sink: ListSink) -> Iterator[TestClient]:
    with make_client(tmp_path, sink) as c:
        yield c


def post(client: TestClient, body: bytes, ctype: str, **kw: Any) -> Any:
    headers = {**HEADERS, "Content-Type": ctype, **kw.pop("headers", {})}
    return client.post("/api/v1/ingest", content=body, headers=headers, **kw)


def test_ndjson_lines_become_structured_records(client: TestClient, sink: ListSink) -> None:
    events = [{"event": {"action": "login"}, "user": {"name": f"u{i}"}} for i in range(3)]
    body = b"\n".join(orjson.dumps(e) for e in events) + b"\n"
    resp = post(client, body, "application/x-ndjson")
    assert resp.status_code == 200
    assert resp.json() == {"accepted": 3, "rejected": 0, "errors": []}
    assert [r.structured for r in sink.records] == events
    src = sink.records[0].source
    assert src.input == "http"
    assert (src.application or "").startswith("ingest-")
    assert len({r.origin for r in sink.records}) == 3


def test_malformed_line_is_kept_tagged_and_reported(client: TestClient, sink: ListSink) -> None:
    body = b'{"a": 1}\n{"b": \n[1, 2]\n{"c": 3}\n'
    resp = post(client, body, "application/x-ndjson")
    assert resp.status_code == 200
    answer = resp.json()
    assert (answer["accepted"], answer["rejected"]) == (2, 2)
    assert [e["line"] for e in answer["errors"]] == [2, 3]
    assert "invalid JSON" in answer["errors"][0]["error"]
    assert len(sink.records) == 4  # nothing the sender sent is lost
    kept = sink.records[1]
    assert kept.message == '{"b": '
    assert kept.structured is None
    assert "invalid JSON" in kept.extra["ingest_error"]


def test_json_array_and_single_object(client: TestClient, sink: ListSink) -> None:
    resp = post(client, b'[{"x": 1}, "stray", {"x": 2}]', "application/json")
    assert resp.json() == {
        "accepted": 2,
        "rejected": 1,
        "errors": [{"line": 2, "error": "a JSON object was expected, not str"}],
    }
    resp = post(client, b'{"x": 3}', "application/json; charset=utf-8")
    assert resp.json()["accepted"] == 1
    assert [r.structured or r.message for r in sink.records] == [
        {"x": 1},
        '"stray"',
        {"x": 2},
        {"x": 3},
    ]


def test_body_that_is_not_json_is_a_clear_422(client: TestClient, sink: ListSink) -> None:
    for body in (b"{oops", b"oops", b""):
        resp = post(client, body, "application/json")
        assert resp.status_code == 422
        assert "not JSON" in resp.json()["detail"]
    assert sink.records == []


def test_array_that_does_not_close_keeps_its_tail_tagged(
    client: TestClient, sink: ListSink
) -> None:
    # An array is split as it is read: its complete elements are stored, and what
    # follows the last one is kept as a tagged record and reported.
    resp = post(client, b'[{"x": 1}, {oops', "application/json")
    assert resp.status_code == 200
    answer = resp.json()
    assert (answer["accepted"], answer["rejected"]) == (1, 1)
    assert answer["errors"][0]["line"] == 2
    assert "not closed" in answer["errors"][0]["error"]
    assert [r.structured or r.message for r in sink.records] == [{"x": 1}, "{oops"]
    assert "ingest_error" in sink.records[1].extra


def test_text_lines_carry_the_format_hint(client: TestClient, sink: ListSink) -> None:
    body = b"Dec 10 06:55:46 LabSZ sshd[1]: one\r\n\nDec 10 06:55:47 LabSZ sshd[2]: two\n"
    resp = post(client, body, "text/plain", params={"format": "sshd"})
    assert resp.json() == {"accepted": 2, "rejected": 0, "errors": []}
    assert [r.message for r in sink.records] == [
        "Dec 10 06:55:46 LabSZ sshd[1]: one",
        "Dec 10 06:55:47 LabSZ sshd[2]: two",
    ]
    assert {r.format_hint for r in sink.records} == {"sshd"}


def test_bad_format_and_content_type_are_refused(client: TestClient, sink: ListSink) -> None:
    assert post(client, b"x\n", "text/plain", params={"format": "../x"}).status_code == 422
    resp = post(client, b"x\n", "application/xml")
    assert resp.status_code == 422
    assert "Content-Type" in resp.json()["detail"]
    assert sink.records == []


def test_idempotency_key_makes_a_retry_produce_the_same_ids(
    client: TestClient, sink: ListSink
) -> None:
    body = b'{"a": 1}\n{"a": 2}\n'
    for _ in range(2):
        post(client, body, "application/x-ndjson", headers={"Idempotency-Key": "batch-42"})
    post(client, body, "application/x-ndjson")
    ids = [r.record_id() for r in sink.records]
    assert ids[:2] == ids[2:4]
    assert not set(ids[4:]) & set(ids[:2])


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-API-Key": "wrong"}, {"Authorization": "ApiKey wrong"}, {"Authorization": "Bearer x"}],
)
def test_missing_or_bad_key_is_401(tmp_path: Path, sink: ListSink, headers: dict) -> None:
    with make_client(tmp_path, sink) as c:
        resp = c.post("/api/v1/ingest", content=b"x\n", headers=headers)
    assert resp.status_code == 401
    assert resp.json()["error"] == "AuthError"
    assert sink.records == []


def test_authorization_apikey_header_is_accepted(client: TestClient, sink: ListSink) -> None:
    resp = client.post(
        "/api/v1/ingest",
        content=b"line\n",
        headers={"Authorization": f"ApiKey {KEY}", "Content-Type": "text/plain"},
    )
    assert resp.status_code == 200
    assert len(sink.records) == 1


def test_oversized_body_is_413(tmp_path: Path, sink: ListSink) -> None:
    with make_client(tmp_path, sink, ingest_max_body_bytes=2048) as c:
        resp = post(c, b"x" * 4096, "text/plain")
        chunked = c.post(
            "/api/v1/ingest",
            content=iter([b"y" * 1500, b"y" * 1500]),  # no Content-Length
            headers={**HEADERS, "Content-Type": "text/plain"},
        )
    assert resp.status_code == 413
    assert "2048" in resp.json()["detail"]
    assert chunked.status_code == 413
    assert sink.records == []


def test_rate_limit_per_key_is_429_with_retry_after(tmp_path: Path, sink: ListSink) -> None:
    with make_client(tmp_path, sink, ingest_rate_per_second=0.01, ingest_burst=2) as c:
        codes = [post(c, b"x\n", "text/plain").status_code for _ in range(3)]
        limited = post(c, b"x\n", "text/plain")
    assert codes == [200, 200, 429]
    assert int(limited.headers["Retry-After"]) >= 1
    assert len(sink.records) == 2


def test_full_spool_is_503_with_retry_after(client: TestClient, sink: ListSink) -> None:
    sink.full = True
    resp = post(client, b"x\n", "text/plain")
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "5"
    assert "spool is full" in resp.json()["detail"]


def test_route_declares_the_ingest_policy() -> None:
    policy = policy_of(ingest_api_key)
    assert policy is not None
    assert policy.roles == frozenset({Role.ingest})


def test_records_are_in_the_real_spool_when_the_answer_comes(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", max_bytes=1 << 20)
    try:
        with make_client(tmp_path, ListSink()) as c:
            c.app.state.sink = spool  # type: ignore[attr-defined]
            resp = post(c, b'{"n": 1}\nnot json\n{"n": 2}\n', "application/x-ndjson")
        assert resp.json()["accepted"] == 2
        # A new reader of the same directory sees what the answer promised.
        spool.close()
        again = Spool(tmp_path / "spool", max_bytes=1 << 20)
        stored = [r for _, r in again.read(10)]
        again.close()
    finally:
        spool.close()
    assert [r.structured or r.message for r in stored] == [{"n": 1}, "not json", {"n": 2}]
    assert "ingest_error" in stored[1].extra


def test_app_without_a_spool_answers_503_not_500(tmp_path: Path) -> None:
    # An app served without the pipeline (not by `secops up`) has nowhere to put events.
    settings = Settings(
        dev_mode=True,
        state_dir=tmp_path,
        es_url="http://127.0.0.1:9",
        ingest_api_keys=[SecretStr(KEY)],
    )
    app = create_app(settings, context=build_context(settings, apply_templates=False))
    with TestClient(app, raise_server_exceptions=False) as client:
        resp = post(client, b'{"a": 1}\n', "application/x-ndjson")
    assert resp.status_code == 503
    assert resp.json()["error"] == "UnavailableError"


# -- record-size cap and bounded memory ------------------------------------------


class CountingSink:
    """Counts records and keeps the size of each batch, not the records."""

    def __init__(self) -> None:
        self.count = 0
        self.batches: list[int] = []

    def append(self, records: Sequence[RawRecord]) -> None:
        self.count += len(records)
        self.batches.append(len(records))


def test_text_line_over_the_cap_is_cut_at_a_character_and_tagged(
    client: TestClient, sink: ListSink
) -> None:
    long_line = "x" + "ä" * 600_000  # 1.2 MB of two-byte characters: the cut splits one
    body = f"before\n{long_line}\nafter\n".encode()
    resp = post(client, body, "text/plain")
    assert resp.json() == {"accepted": 3, "rejected": 0, "errors": []}
    before, cut, after = sink.records
    assert (before.message, after.message) == ("before", "after")
    assert cut.message is not None
    assert len(cut.message.encode()) <= DEFAULT_MAX_RECORD_BYTES
    assert cut.message == "x" + "ä" * (DEFAULT_MAX_RECORD_BYTES // 2 - 1)  # whole characters
    assert cut.extra == {"truncated": True, "original_size": len(long_line.encode())}


def test_json_strings_over_the_cap_are_cut_and_the_record_tagged(
    tmp_path: Path, sink: ListSink
) -> None:
    big = "x" * 5000
    line = orjson.dumps({"user": {"name": "jdoe"}, "payload": big, "list": [big, "ok"]})
    with make_client(tmp_path, sink, max_record_bytes=1024) as c:
        post(c, line + b"\n", "application/x-ndjson")
        post(c, b"[" + line + b"]", "application/json")
    for record in sink.records:
        assert record.structured == {
            "user": {"name": "jdoe"},
            "payload": "x" * 1024,
            "list": ["x" * 1024, "ok"],
        }
        assert record.extra == {"truncated": True, "original_size": len(line)}


def test_records_reach_the_spool_in_bounded_batches(tmp_path: Path) -> None:
    counting = CountingSink()
    n = 3 * BATCH_RECORDS + 7
    with make_client(tmp_path, ListSink()) as c:
        c.app.state.sink = counting  # type: ignore[attr-defined]
        for ctype, body in (
            ("application/x-ndjson", b"{}\n" * n),
            ("application/json", b"[" + b",".join([b"{}"] * n) + b"]"),
            ("text/plain", b"line\n" * n),
        ):
            assert post(c, body, ctype).json()["accepted"] == n
    assert counting.count == 3 * n
    assert max(counting.batches) <= BATCH_RECORDS


def test_a_request_of_tiny_records_holds_bounded_memory(tmp_path: Path) -> None:
    # 512 KiB of "{}" lines are 175,000 records: held at once they took ~150 bytes of
    # memory per byte of body. Now the peak is the body and one batch.
    counting = CountingSink()
    body = b"{}\n" * (512 * 1024 // 3)
    with make_client(tmp_path, ListSink()) as c:
        c.app.state.sink = counting  # type: ignore[attr-defined]
        post(c, b"{}\n", "application/x-ndjson")  # warm up: imports, caches
        tracemalloc.start()
        try:
            resp = post(c, body, "application/x-ndjson")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert resp.json()["accepted"] == len(body) // 3
    assert peak < 4 * len(body) + (4 << 20), f"peak {peak} bytes for a {len(body)}-byte body"
