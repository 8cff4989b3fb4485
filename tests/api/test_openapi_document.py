"""The OpenAPI document tells a client everything it needs, for every operation.

Each sweep reports every operation that falls short, not only the first.
No Elasticsearch: the document is built from the routes alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from api.app import create_app
from api.openapi import route_policies, security_requirement
from api.security import Policy

Operation = tuple[str, str, dict[str, Any]]
# Answers that stream a file: their 200 declares media types, not a JSON schema.
STREAMING = {("GET", "/api/v1/alerts/export"), ("GET", "/metrics")}


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app()


@pytest.fixture(scope="module")
def doc(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


@pytest.fixture(scope="module")
def policies(app: FastAPI) -> dict[tuple[str, str], Policy]:
    return route_policies(app)


def operations(doc: dict[str, Any]) -> Iterator[Operation]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield method.upper(), path, op


def sweep(doc: dict[str, Any], problem: Callable[[str, str, dict[str, Any]], str | None]) -> None:
    found = [f"{m} {p}: {why}" for m, p, op in operations(doc) if (why := problem(m, p, op))]
    assert not found, "\n".join(found)


def _takes_input(op: dict[str, Any]) -> bool:
    return bool(op.get("parameters")) or "requestBody" in op


def test_every_route_is_documented_with_its_policy(
    doc: dict[str, Any], policies: dict[tuple[str, str], Policy]
) -> None:
    documented = {(m, p) for m, p, _ in operations(doc)}
    assert documented == set(policies)


def test_every_operation_has_a_summary_and_a_tag(doc: dict[str, Any]) -> None:
    sweep(doc, lambda m, p, op: None if op.get("summary") else "no summary")
    sweep(doc, lambda m, p, op: None if op.get("tags") else "no tag")


def test_security_schemes_are_declared(doc: dict[str, Any]) -> None:
    schemes = doc["components"]["securitySchemes"]
    assert schemes["Bearer"] == {**schemes["Bearer"], "type": "http", "scheme": "bearer"}
    assert schemes["ApiKey"] == {**schemes["ApiKey"], "type": "apiKey", "in": "header"}


def test_security_of_each_operation_follows_its_policy(
    doc: dict[str, Any], policies: dict[tuple[str, str], Policy]
) -> None:
    def problem(method: str, path: str, op: dict[str, Any]) -> str | None:
        want = security_requirement(policies[(method, path)])
        return None if op.get("security") == want else f"security {op.get('security')}"

    sweep(doc, problem)
    ops = {(m, p): op for m, p, op in operations(doc)}
    assert ops[("GET", "/api/v1/health")]["security"] == []
    assert ops[("POST", "/api/v1/ingest")]["security"] == [{"ApiKey": []}]
    assert ops[("GET", "/api/v1/users")]["security"] == [{"Bearer": []}]


def test_protected_operations_document_401_and_403(
    doc: dict[str, Any], policies: dict[tuple[str, str], Policy]
) -> None:
    def problem(method: str, path: str, op: dict[str, Any]) -> str | None:
        if policies[(method, path)].public:
            return None
        missing = [c for c in ("401", "403") if "content" not in op["responses"].get(c, {})]
        return f"no {missing}" if missing else None

    sweep(doc, problem)


def test_operations_with_input_document_422_in_both_shapes(doc: dict[str, Any]) -> None:
    # An operation without parameters or body cannot answer 422: it is not required there.
    shapes = {"#/components/schemas/HTTPValidationError", "#/components/schemas/ErrorBody"}

    def problem(method: str, path: str, op: dict[str, Any]) -> str | None:
        if not _takes_input(op):
            return None
        schema = op["responses"].get("422", {}).get("content", {}).get("application/json", {})
        refs = {s.get("$ref") for s in schema.get("schema", {}).get("anyOf", [])}
        return None if refs == shapes else f"422 documents {refs or 'nothing'}"

    sweep(doc, problem)


def test_success_answers_have_a_schema(doc: dict[str, Any]) -> None:
    def problem(method: str, path: str, op: dict[str, Any]) -> str | None:
        code = next((c for c in op["responses"] if c.startswith("2")), None)
        if code is None:
            return "no success answer"
        if code == "204":
            return None
        content = op["responses"][code].get("content", {})
        if (method, path) in STREAMING:
            return None if content and "application/json" not in content else "no media types"
        schema = content.get("application/json", {}).get("schema", {})
        described = schema.get("$ref") or schema.get("type") or schema.get("anyOf")
        return None if described else f"bare schema {schema}"

    sweep(doc, problem)


def test_request_bodies_have_examples(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]

    def has_examples(schema: dict[str, Any]) -> bool:
        # On the schema itself, or on each of its properties (pydantic Field examples).
        if ref := schema.get("$ref"):
            schema = schemas[ref.split("/")[-1]]
        if "examples" in schema or "example" in schema:
            return True
        props = schema.get("properties", {})
        return bool(props) and all("examples" in p or "example" in p for p in props.values())

    def example_of(media: dict[str, Any]) -> bool:
        if "example" in media or "examples" in media:
            return True
        schema = media.get("schema", {})
        return any(has_examples(s) for s in [schema, *schema.get("anyOf", [])])

    def problem(method: str, path: str, op: dict[str, Any]) -> str | None:
        body = op.get("requestBody")
        if body is None:
            return None
        missing = [mt for mt, media in body["content"].items() if not example_of(media)]
        return f"no example for {missing}" if missing else None

    sweep(doc, problem)


def test_error_answers_describe_their_body(doc: dict[str, Any]) -> None:
    # Every error a route documents says what its body holds (ErrorBody, or the
    # framework's shapes), whichever table of the route it came from.
    def problem(method: str, path: str, op: dict[str, Any]) -> str | None:
        bare = [
            code
            for code, answer in op["responses"].items()
            if code >= "400"
            and "schema" not in answer.get("content", {}).get("application/json", {})
        ]
        return f"{bare} without a body schema" if bare else None

    sweep(doc, problem)
