"""Every router of the API, in the order they appear in the OpenAPI document."""

from fastapi import APIRouter

from api.routes import health

ROUTERS: list[APIRouter] = [health.router]
