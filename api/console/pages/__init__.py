"""Every router of the console; the queue's fixed paths before ``/alerts/{alert_id}``."""

from fastapi import APIRouter

from api.console import assets
from api.console.pages import (
    admin,
    alert_detail,
    alerts,
    archive,
    auth,
    compliance,
    coverage,
    overview,
    reports,
    rules,
)

ROUTERS: list[APIRouter] = [assets.router, auth.router, overview.router]
ROUTERS += [alerts.router, alert_detail.router]
ROUTERS += [admin.router, compliance.router, reports.router, archive.router]
# The filters and coverage pages before a rule's own page at /rules/{rule_id}.
ROUTERS += [coverage.router, rules.router]
