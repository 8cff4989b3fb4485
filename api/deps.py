"""Dependencies shared by the routes."""

from __future__ import annotations

from fastapi import Request

from secops.context import Context


def get_context(request: Request) -> Context:
    ctx: Context = request.app.state.context
    return ctx
