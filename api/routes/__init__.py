"""Every router of the API, in the order they appear in the OpenAPI document."""

from fastapi import APIRouter

from api.routes import health, ingest

ROUTERS: list[APIRouter] = [health.router, ingest.router]
