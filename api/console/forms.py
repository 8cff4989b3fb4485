"""Form input of the console: what was wrong with it, in words."""

from __future__ import annotations

from pydantic import ValidationError


def invalid(exc: ValidationError) -> str:
    """The errors of a model built from a form: ``field: reason; ...`` (values not echoed)."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{where}: {error['msg']}" if where else str(error["msg"]))
    return "; ".join(parts)
