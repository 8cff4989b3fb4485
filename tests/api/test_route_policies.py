"""Every route of the app declares a policy, and the policy holds for every kind of caller.

The matrix sends each route a request from: nobody, each role (admin, soc_operator,
auditor people; an ingest API key), an expired token, a logged-out session, a
disabled account and a revoked API key. A caller the policy admits must get
past authentication and authorisation (any answer but 401/403); a caller with
valid credentials but the wrong role gets 403; invalid credentials get 401.
Step-up routes are also tried with a session whose TOTP proof is stale (403).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Route

from api.app import API_PREFIX, create_app
from api.security import Policy, policy_of
from secops.auth import apikeys, sessions, users
from secops.auth.models import HumanRole
from secops.auth.principals import Role
from secops.context import Context
from secops.settings import Settings

# Framework pages that carry no data of ours: the OpenAPI document and its viewer.
DOC_PATHS = {f"{API_PREFIX}/openapi.json", f"{API_PREFIX}/docs", "/docs/oauth2-redirect"}
_PARAM = re.compile(r"\{([^}:]+)(:[^}]+)?\}")


def _policies(dependant: Any) -> list[Policy]:
    found = []
    for dep in dependant.dependencies:
        policy = policy_of(dep.call)
        if policy is not None:
            found.append(policy)
        found.extend(_policies(dep))
    return found


def route_policies(app: FastAPI) -> tuple[dict[tuple[str, str], Policy], list[str]]:
    """(method, path) → policy of every API route, and the routes that have none (or two)."""
    policies: dict[tuple[str, str], Policy] = {}
    unpoliced = []
    for rc in iter_route_contexts(app.routes):
        route, path = rc.original_route, rc.path
        if isinstance(route, APIRoute):
            found = set(_policies(route.dependant))
            if len(found) != 1:
                unpoliced.append(f"{sorted(route.methods)} {path}: {len(found)} policies")
                continue
            policy = found.pop()
            for method in route.methods:
                policies[(method, path)] = policy
        elif not (isinstance(route, Route) and path in DOC_PATHS):
            unpoliced.append(f"{type(route).__name__} {path}")
    return policies, unpoliced


def test_every_route_declares_a_policy(settings: Settings) -> None:
    policies, unpoliced = route_policies(create_app(settings))
    assert not unpoliced, f"routes without exactly one policy: {unpoliced}"
    assert ("POST", f"{API_PREFIX}/auth/login") in policies
    assert policies[("GET", f"{API_PREFIX}/health")].public


@dataclass(frozen=True)
class Caller:
    name: str
    role: Role | None  # the role it holds, when its credentials are valid
    valid: bool
    stale_mfa: bool = False


CALLERS = [
    Caller("anonymous", None, valid=False),
    Caller("admin", Role.admin, valid=True),
    Caller("soc_operator", Role.soc_operator, valid=True),
    Caller("auditor", Role.auditor, valid=True),
    Caller("ingest_key", Role.ingest, valid=True),
    Caller("admin_stale_mfa", Role.admin, valid=True, stale_mfa=True),
    Caller("expired_token", None, valid=False),
    Caller("logged_out", None, valid=False),
    Caller("disabled_user", None, valid=False),
    Caller("revoked_key", None, valid=False),
]


class Credentials:
    """Fresh credentials of each caller for each request (a route may end a session)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        now = datetime.now(UTC)
        self.users = {}
        for name, role in (
            ("m-admin", "admin"),
            ("m-soc", "soc_operator"),
            ("m-auditor", "auditor"),
            ("m-disabled", "admin"),
        ):
            roles: list[HumanRole] = [role]  # type: ignore[list-item]
            self.users[name] = users.create_user(
                ctx, username=name, display_name=name, roles=roles, actor="system:test", now=now
            )[0]
        self.disabled_session = self._session("m-disabled", now)
        users.disable_user(ctx, username="m-disabled", actor="system:test")
        self.ingest = apikeys.create(
            ctx, name="m-ingest", roles=["ingest"], actor="system:test"
        ).key
        self.revoked = apikeys.create(ctx, name="m-revoked", roles=["ingest"], actor="system:test")
        apikeys.revoke(ctx, key_id=self.revoked.apikey.id, actor="system:test")

    def _session(self, username: str, at: datetime) -> str:
        return sessions.start(
            self.ctx, user=self.users[username], address=None, now=at
        ).access_token

    def headers(self, caller: Caller) -> dict[str, str]:
        now = datetime.now(UTC)
        bearer = {
            "admin": lambda: self._session("m-admin", now),
            "soc_operator": lambda: self._session("m-soc", now),
            "auditor": lambda: self._session("m-auditor", now),
            # Issued 10 minutes ago: the token is valid, its TOTP proof is not fresh.
            "admin_stale_mfa": lambda: self._session("m-admin", now - timedelta(minutes=10)),
            # Issued 20 minutes ago: past the 15-minute lifetime of access tokens.
            "expired_token": lambda: self._session("m-admin", now - timedelta(minutes=20)),
            "logged_out": self._logged_out,
            "disabled_user": lambda: self.disabled_session,
        }
        if caller.name in bearer:
            return {"Authorization": f"Bearer {bearer[caller.name]()}"}
        if caller.name == "ingest_key":
            return {"Authorization": f"ApiKey {self.ingest}"}
        if caller.name == "revoked_key":
            return {"X-API-Key": self.revoked.key}
        return {}

    def _logged_out(self) -> str:
        pair = sessions.start(
            self.ctx, user=self.users["m-admin"], address=None, now=datetime.now(UTC)
        )
        sessions.revoke(self.ctx, sid=pair.session_id, reason="logout", now=datetime.now(UTC))
        return pair.access_token


def expected(policy: Policy, caller: Caller) -> str:
    """``pass`` (any status but 401/403), ``401`` or ``403``."""
    if policy.public:
        return "pass"
    if not caller.valid:
        return "401"
    if caller.role not in policy.roles:
        return "403"
    if policy.step_up and (caller.stale_mfa or caller.role is Role.ingest):
        return "403"
    return "pass"


def is_console(path: str) -> bool:
    """The console's pages and actions (outside /api/v1 and /metrics)."""
    return not (path.startswith(API_PREFIX) or path == "/metrics")


def test_route_role_matrix(ctx: Context) -> None:
    app = create_app(ctx.settings, context=ctx)
    policies, unpoliced = route_policies(app)
    assert not unpoliced
    creds = Credentials(ctx)
    failures, cells = [], 0
    with TestClient(app, raise_server_exceptions=False) as client:
        for (method, path), policy in sorted(policies.items()):
            if is_console(path):
                continue
            url = _PARAM.sub("no-such-object", path)
            for caller in CALLERS:
                kwargs: dict[str, Any] = {"headers": creds.headers(caller)}
                if method in ("POST", "PUT", "PATCH"):
                    kwargs["json"] = {}
                status = client.request(method, url, **kwargs).status_code
                want = expected(policy, caller)
                ok = status not in (401, 403) if want == "pass" else status == int(want)
                cells += 1
                if not ok:
                    failures.append(f"{method} {path} as {caller.name}: {status}, want {want}")
    assert not failures, "\n".join(failures)
    assert cells == len([p for p in policies if not is_console(p[1])]) * len(CALLERS)


def console_expected(policy: Policy, caller: Caller) -> str:
    """As ``expected``, for the console: it takes people's sessions from its cookies only,
    so an API key is no credential there, and a missing one is sent to the login page."""
    if caller.role is Role.ingest and not policy.public:
        return "login"
    want = expected(policy, caller)
    return "login" if want == "401" else want


_R = f"{API_PREFIX}/compliance/reports"
CONSOLE_API_TWINS: dict[tuple[str, str], tuple[str, str]] = {
    ("GET", "/reports"): ("GET", _R),
    ("POST", "/reports"): ("POST", _R),
    ("POST", "/reports/periods"): ("POST", f"{_R}/periods"),
    ("GET", "/reports/{report_id}/download"): ("GET", f"{_R}/{{report_id}}/rendering"),
    ("POST", "/reports/verify"): ("POST", f"{_R}/verify-file"),
    ("POST", "/reports/{report_id}/mail"): ("POST", f"{_R}/{{report_id}}/mail"),
    ("GET", "/rules"): ("GET", f"{API_PREFIX}/rules"),
    ("GET", "/rules/filters"): ("GET", f"{API_PREFIX}/rules/filters"),
    ("GET", "/rules/coverage"): ("GET", f"{API_PREFIX}/rules/coverage"),
    ("GET", "/archive"): ("GET", f"{API_PREFIX}/archive"),
    ("POST", "/archive/{snapshot}/restore"): ("POST", f"{API_PREFIX}/archive/{{snapshot}}/restore"),
}


def test_console_route_role_matrix(ctx: Context) -> None:
    """Every console page and action, for every caller: the session in the console's
    cookie, the CSRF token in the form (its refusal has a test of its own)."""
    app = create_app(ctx.settings, context=ctx)
    policies, _ = route_policies(app)
    console = {k: v for k, v in policies.items() if is_console(k[1])}
    assert ("GET", "/alerts") in console
    assert ("POST", "/admin/apikeys") in console
    # Each page or action of the console that stands for an API route has that route's
    # policy (roles and step-up), so the cells below hold it to the API's own answers.
    for page, api in CONSOLE_API_TWINS.items():
        assert page in console, f"no console route {page}"
        assert console[page] == policies[api], f"{page} is not policed as {api}"
    creds = Credentials(ctx)
    failures, cells = [], 0
    csrf = "c" * 43
    for (method, path), policy in sorted(console.items()):
        url = _PARAM.sub("no-such-object", path)
        for caller in CALLERS:
            with TestClient(app, raise_server_exceptions=False) as client:
                client.cookies.set("secops_csrf", csrf)
                headers = creds.headers(caller)
                bearer = headers.get("Authorization", "")
                if bearer.startswith("Bearer "):
                    client.cookies.set("secops_access", bearer.removeprefix("Bearer "))
                    headers = {}
                kwargs: dict[str, Any] = {"headers": headers, "follow_redirects": False}
                if method == "POST":
                    kwargs["data"] = {"csrf": csrf}
                answer = client.request(method, url, **kwargs)
            want = console_expected(policy, caller)
            location = answer.headers.get("location", "")
            # Sent to log in (a logout, admitted, goes to the bare login page).
            to_login = answer.status_code == 303 and location.startswith("/login?next=")
            if want == "login":
                ok = to_login
            elif want == "pass":
                ok = answer.status_code not in (401, 403) and not to_login
            else:
                ok = answer.status_code == int(want)
            cells += 1
            if not ok:
                failures.append(
                    f"{method} {path} as {caller.name}: {answer.status_code}, want {want}"
                )
    assert not failures, "\n".join(failures)
    assert cells == len(console) * len(CALLERS)
