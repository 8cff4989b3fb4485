"""The FastAPI application: routers under /api/v1, errors mapped in one place."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import anyio
from fastapi import FastAPI

from api.audit_middleware import AuditMiddleware, record_refusals
from api.body_limit import BodyLimitMiddleware
from api.console import install_console
from api.errors import install_error_handlers
from api.openapi import install_openapi
from api.refusals import RefusalSummary
from api.routes import ROOT_ROUTERS, ROUTERS
from secops import __version__
from secops.context import Context, build_context
from secops.settings import Settings, get_settings

API_PREFIX = "/api/v1"


async def _flush_refusals(ctx: Context, refusals: RefusalSummary) -> None:
    """Record the summaries of anonymous refusals as their windows end."""
    while True:
        await anyio.sleep(min(refusals.interval, 60))
        due = refusals.due(time.time())
        if due:
            write = partial(record_refusals, ctx, due, interval=refusals.interval)
            await anyio.to_thread.run_sync(write)


def create_app(settings: Settings | None = None, *, context: Context | None = None) -> FastAPI:
    """The app; ``context`` lets a caller (``secops up``, tests) share its own."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = context is None
        ctx = app.state.context = context or build_context(settings or get_settings())
        refusals = app.state.refusals = RefusalSummary(
            interval=ctx.settings.audit_refusal_summary_seconds
        )
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(_flush_refusals, ctx, refusals)
                try:
                    yield
                finally:
                    tasks.cancel_scope.cancel()
        finally:
            record_refusals(ctx, refusals.drain(), interval=refusals.interval)
            if own:
                ctx.close()

    app = FastAPI(
        title="secops",
        version=__version__,
        description="Security monitoring and audit service: alerts, compliance, audit trail.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    # The last added runs first: the audit middleware sees the body limit's 413s too.
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(AuditMiddleware)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    for router in ROOT_ROUTERS:
        app.include_router(router)
    install_console(app)  # the SOC console at /, on the same services
    install_openapi(app)
    return app
