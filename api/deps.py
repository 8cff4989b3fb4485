"""Dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from secops.context import Context


def get_context(request: Request) -> Context:
    ctx: Context = request.app.state.context
    return ctx


# The context a route works in: ``def route(ctx: Ctx, ...)``.
Ctx = Annotated[Context, Depends(get_context)]
