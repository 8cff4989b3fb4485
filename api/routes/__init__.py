"""Every router of the API, in the order they appear in the OpenAPI document."""

from fastapi import APIRouter

from api.routes import (
    alerts,
    apikeys,
    archive,
    audit,
    auth,
    compliance,
    context,
    health,
    ingest,
    metrics,
    notifications,
    report_renderings,
    rules,
    sources,
    suppressions,
    users,
)

ROUTERS: list[APIRouter] = [health.router, ingest.router]
ROUTERS += [auth.router, users.router, apikeys.router]
ROUTERS += [audit.router]
ROUTERS += [compliance.router, report_renderings.router, archive.router]
ROUTERS += [alerts.router, suppressions.router, notifications.router]
ROUTERS += [rules.router]
ROUTERS += [sources.router]
ROUTERS += [context.router]

# Mounted at the application root, outside /api/v1.
ROOT_ROUTERS: list[APIRouter] = [metrics.router]
