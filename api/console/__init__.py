"""The SOC console: server-rendered pages at ``/`` on the API's own services.

``install_console(app)`` adds its routes, its security headers and its error pages;
the API under ``/api/v1`` is left as it is.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.console.errors import install_console_errors
from api.console.pages import ROUTERS
from api.console.web import ConsoleHeaders


def install_console(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router, include_in_schema=False)
    install_console_errors(app)
    app.add_middleware(ConsoleHeaders)
