"""One table maps the errors of secops to HTTP statuses: the answers and the documentation.

No Elasticsearch: a small app raises each error through the API's handlers.
"""

from __future__ import annotations

import inspect

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.errors import answers, install_error_handlers, payload_too_large
from secops import errors

ERRORS = sorted(
    (
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.SecopsError)
    ),
    key=lambda cls: cls.__name__,
)


def _error(cls: type[errors.SecopsError]) -> errors.SecopsError:
    if issubclass(cls, errors.RateLimitedError):
        return cls("what went wrong", retry_after=3)
    return cls("what went wrong")


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/raise/{name}")
    def raise_(name: str) -> None:
        raise _error(getattr(errors, name))

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("cls", ERRORS, ids=lambda cls: cls.__name__)
def test_the_documented_status_is_the_answered_one(
    client: TestClient, cls: type[errors.SecopsError]
) -> None:
    documented = answers((cls, "documented"))
    resp = client.get(f"/raise/{cls.__name__}")
    assert list(documented) == [resp.status_code]
    assert resp.json()["error"] == cls.__name__


def test_a_body_over_its_cap_is_answered_413_naming_the_cap() -> None:
    # The body-limit middleware and the ingest route both answer with this.
    answer = payload_too_large(1024)
    assert answer.status_code == 413
    assert answer.headers["connection"] == "close"
    assert answer.body == b'{"error":"PayloadTooLarge","detail":"the body exceeds 1024 bytes"}'
