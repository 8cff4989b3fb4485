"""A schema-driven attack on every operation of the OpenAPI document.

Schemathesis reads ``/api/v1/openapi.json`` of the real app (in process, over its
ASGI transport), generates valid and invalid requests for each operation and sends
them with the credentials of a caller the operation's policy admits, so the requests
reach the handlers and the real Elasticsearch behind them. Every answer must be:
no server error, a documented status code, a documented content type and a body
that matches the documented schema.

Callers, one per operation, chosen from the route's policy (``api.security``):
an admin whose TOTP proof is fresh (step-up routes), a soc_operator, an auditor,
and an API key of the ingest role. Nothing is skipped: ``POST /auth/logout`` gets
a session of its own for each request, so it never ends the sessions of the others.

Bounded for CI: a fixed number of examples per operation, derandomised so a failure
reproduces, no deadline (Elasticsearch answers vary on a shared machine).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from es_node import NodeAccess, drop_namespace
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.openapi import build_document, route_policies
from api.security import Policy
from secops.auth import apikeys, sessions, users
from secops.auth.models import HumanRole, UserDoc
from secops.auth.principals import Role
from secops.context import Context, build_context
from secops.settings import Settings
from secops.spool import Spool

MAX_EXAMPLES = 25
# A session's TOTP proof counts for settings.step_up_window_seconds (300 s by
# default); credentials are renewed well before that.
RENEW_AFTER_SECONDS = 120

# What every answer must satisfy. Not among them: schemathesis' negative_data_rejection,
# which also fails on pydantic's lax coercions (a date-time given as a Unix number), a
# leniency of the models rather than a fault of the API.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

EXAMPLES: Counter[str] = Counter()


class Callers:
    """Credentials of one caller per role, renewed before their TOTP proof goes stale."""

    PREFERENCE = (Role.admin, Role.soc_operator, Role.auditor, Role.ingest)

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.users: dict[Role, UserDoc] = {}
        for role in (Role.admin, Role.soc_operator, Role.auditor):
            roles: list[HumanRole] = [role.value]  # type: ignore[list-item]
            self.users[role] = users.create_user(
                ctx,
                username=f"fz-{role.value}",
                display_name=role.value,
                roles=roles,
                actor="system:test",
            )[0]
        self.ingest_key = apikeys.create(
            ctx, name="fz-ingest", roles=["ingest"], actor="system:test"
        ).key
        self._tokens: dict[Role, tuple[float, str]] = {}

    def _bearer(self, role: Role) -> str:
        issued, token = self._tokens.get(role, (0.0, ""))
        if time.monotonic() - issued > RENEW_AFTER_SECONDS:
            token = self.session(role)
            self._tokens[role] = (time.monotonic(), token)
        return token

    def session(self, role: Role) -> str:
        """A new session of ``role``'s user, its TOTP proved now."""
        pair = sessions.start(self.ctx, user=self.users[role], address=None, now=datetime.now(UTC))
        return pair.access_token

    def role_for(self, policy: Policy) -> Role | None:
        """The caller to send: the first role of the preference the policy admits."""
        if policy.public:
            return None
        return next(r for r in self.PREFERENCE if r in policy.roles)

    def headers(self, role: Role | None, *, own_session: bool = False) -> dict[str, str]:
        if role is None:
            return {}
        if role is Role.ingest:
            return {"Authorization": f"ApiKey {self.ingest_key}"}
        token = self.session(role) if own_session else self._bearer(role)
        return {"Authorization": f"Bearer {token}"}


class Fuzzed:
    def __init__(self, ctx: Context, app: FastAPI) -> None:
        self.ctx = ctx
        self.app = app
        self.policies = route_policies(app)
        self.callers = Callers(ctx)


@pytest.fixture(scope="module")
def fuzzed(es_node: NodeAccess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    # One namespace and one app for the whole run: every operation shares them.
    state = tmp_path_factory.mktemp("fuzz")
    settings_ = Settings(
        dev_mode=True,
        namespace="tfuzz" + str(int(time.time())),
        state_dir=state / "state",
        **es_node.settings_fields(),
    )
    ctx = build_context(settings_)
    app = create_app(settings_, context=ctx)
    spool = Spool(Path(state / "spool"), max_bytes=64 * 1024 * 1024)
    app.state.sink = spool
    FORWARD.target = app
    try:
        yield Fuzzed(ctx, app)
    finally:
        spool.close()
        ctx.close()
        drop_namespace(es_node, settings_.namespace)
        print(f"\nfuzzed {len(EXAMPLES)} operations, {sum(EXAMPLES.values())} examples")


class Forward:
    """The ASGI app schemathesis calls: the app of the ``fuzzed`` fixture, once it exists.

    The schema is read at collection (one test per operation) from an app that has no
    context yet and is never called; requests go to the fixture's app, whose context
    is bound to the real Elasticsearch.
    """

    target: FastAPI | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.target is not None, "the fuzzed fixture sets the target"
        await self.target(scope, receive, send)


FORWARD = Forward()
# NDJSON bodies of /ingest are text: the generated string goes on the wire as it is.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")
schema = schemathesis.openapi.from_dict(build_document(create_app()))
schema.app = FORWARD


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,  # derandomized runs need no example database in the working tree
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_no_operation_breaks_under_fuzzing(case: Case, fuzzed: Fuzzed) -> None:
    method, path = case.operation.method.upper(), case.operation.path
    policy = fuzzed.policies[(method, path)]
    role = fuzzed.callers.role_for(policy)
    # Logout ends the session it is called with: each request brings its own.
    own = (method, path) == ("POST", "/api/v1/auth/logout")
    case.headers.update(fuzzed.callers.headers(role, own_session=own))
    EXAMPLES[f"{method} {path}"] += 1
    case.call_and_validate(checks=CHECKS)
