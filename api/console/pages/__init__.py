"""Every router of the console; the queue's fixed paths before ``/alerts/{alert_id}``."""

from fastapi import APIRouter

from api.console import assets
from api.console.pages import admin, alert_detail, alerts, auth, compliance, overview, rules

ROUTERS: list[APIRouter] = [assets.router, auth.router, overview.router]
ROUTERS += [alerts.router, alert_detail.router]
ROUTERS += [admin.router, compliance.router, rules.router]
