"""The OpenAPI document, completed from what each route declares.

Every route has exactly one policy (``api.security``); from it this module writes
what a client must know and what routes should not each repeat: the security
schemes a route accepts (Bearer for people, ApiKey for systems, none when public)
and the error answers of authentication (401) and authorisation (403). Every route
that takes input also documents 422 in both shapes it can take: a request that
does not match the schema (FastAPI's validation error) and a value the service
refuses (``InvalidInputError``, an ``ErrorBody``).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from api.errors import ErrorBody
from api.security import Policy, policy_of
from secops.auth.principals import HUMAN_ROLES, Role

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "Bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "Access token of a person's session: POST /api/v1/auth/login.",
    },
    "ApiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "API key of a pushing system; `Authorization: ApiKey <key>` works too.",
    },
}

_CONVERTOR = re.compile(r"\{([^}:]+):[^}]+\}")
_VALIDATION_ERROR = {"$ref": "#/components/schemas/HTTPValidationError"}
_ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}
# The framework's own answer to a body it cannot parse.
_HTTP_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}


def document_path(path: str) -> str:
    """A route path as the document writes it: ``{rule_id:path}`` is ``{rule_id}``."""
    return _CONVERTOR.sub(r"{\1}", path)


def _policies(dependant: Any) -> set[Policy]:
    found = set()
    for dep in dependant.dependencies:
        policy = policy_of(dep.call)
        if policy is not None:
            found.add(policy)
        found |= _policies(dep)
    return found


def route_policy(route: APIRoute) -> Policy | None:
    """The one policy of ``route``; None when it has none, or more than one."""
    found = _policies(route.dependant)
    return found.pop() if len(found) == 1 else None


def route_policies(app: FastAPI) -> dict[tuple[str, str], Policy]:
    """(method, full path) → policy of every API route that declares exactly one (the
    console's pages, left out of the document, are not API routes)."""
    policies: dict[tuple[str, str], Policy] = {}
    for rc in iter_route_contexts(app.routes):
        route = rc.original_route
        documented = getattr(rc, "include_in_schema", True)  # as included, not as declared
        if not isinstance(route, APIRoute) or not (documented and route.include_in_schema):
            continue
        if (policy := route_policy(route)) is not None:
            for method in route.methods or ():
                policies[(method, document_path(rc.path or route.path))] = policy
    return policies


def security_requirement(policy: Policy) -> list[dict[str, list[str]]]:
    """The OpenAPI ``security`` of a route: any one of the listed schemes admits."""
    if policy.public:
        return []
    schemes: list[dict[str, list[str]]] = []
    if policy.roles & frozenset(HUMAN_ROLES):
        schemes.append({"Bearer": []})
    if Role.ingest in policy.roles:
        schemes.append({"ApiKey": []})
    return schemes


def _error(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _complete_operation(
    operation: dict[str, Any], policy: Policy, takes_input: bool, path_param: bool
) -> None:
    operation["security"] = security_requirement(policy)
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if not policy.public:
        responses.setdefault("401", {"description": "No credentials, or invalid or expired ones"})
        forbidden = "The caller lacks the role this route needs"
        if policy.step_up:
            forbidden += ", or a TOTP code verified in the last minutes (step-up)"
        responses.setdefault("403", {"description": forbidden})
        for code in ("401", "403"):
            responses[code].setdefault("content", _error("", _ERROR_BODY)["content"])
    if "requestBody" in operation:
        responses.setdefault(
            "400",
            _error("The body cannot be read as the declared media type", _HTTP_ERROR),
        )
    if path_param and "404" in responses:
        # A ``{name:path}`` parameter does not match every text (a line break); the
        # framework answers those 404 itself, in its own shape.
        schema = {"anyOf": [_ERROR_BODY, _HTTP_ERROR]}
        responses["404"]["content"] = {"application/json": {"schema": schema}}
    if takes_input:
        invalid = responses.setdefault("422", {"description": "Invalid input"})
        schema = {"anyOf": [_VALIDATION_ERROR, _ERROR_BODY]}
        invalid["content"] = {"application/json": {"schema": schema}}


def _all_params(dependant: Any) -> list[Any]:
    found = list(dependant.path_params + dependant.query_params + dependant.header_params)
    found += dependant.cookie_params + dependant.body_params
    for dep in dependant.dependencies:
        found += _all_params(dep)
    return found


def build_document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document of ``app`` with security and error answers per route policy."""
    doc = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    components = doc.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    schemas = components.setdefault("schemas", {})
    schemas.setdefault("ErrorBody", ErrorBody.model_json_schema())
    if "HTTPValidationError" not in schemas:
        # Only present when some route already documents FastAPI's default 422.
        probe = get_openapi(title="", version="", routes=[_probe_route()])
        schemas.update(probe["components"]["schemas"])
    for rc in iter_route_contexts(app.routes):
        route = rc.original_route
        documented = getattr(rc, "include_in_schema", True)  # as included, not as declared
        if not isinstance(route, APIRoute) or not (documented and route.include_in_schema):
            continue
        policy = route_policy(route)
        if policy is None:
            continue
        takes_input = bool(_all_params(route.dependant)) or bool(
            route.openapi_extra and "requestBody" in route.openapi_extra
        )
        for method in route.methods or ():
            operation = (
                doc["paths"].get(document_path(rc.path or route.path), {}).get(method.lower())
            )
            if operation is not None:
                _complete_operation(operation, policy, takes_input, ":path}" in route.path)
    return doc


def _probe_route() -> APIRoute:
    def probe(q: int) -> None:
        return None

    return APIRoute("/probe", probe)


def install_openapi(app: FastAPI) -> None:
    """Serve the completed document at ``app.openapi_url``, built once."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
