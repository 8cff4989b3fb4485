"""What every check gets and gives; small helpers for evidence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from secops.compliance.models import CheckOutcome, ControlResult
from secops.context import Context
from secops.times import iso_seconds

# Lists in evidence are cut to this many items; the counts stay exact.
MAX_LISTED = 50


@dataclass(frozen=True)
class CheckRun:
    """One evaluation of one control: the store, the instant, the control's previous result."""

    ctx: Context
    now: datetime
    previous: ControlResult | None = None


class Params(BaseModel):
    """Parameters of a check, validated when ``controls.yml`` is loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(Params):
    pass


@dataclass(frozen=True)
class Check:
    fn: Callable[[CheckRun, Any], CheckOutcome]
    params: type[Params]
    description: str


def iso(value: datetime | float | None) -> str | None:
    """`iso_seconds` of a datetime or an epoch in seconds; None for evidence left blank."""
    return None if value is None else iso_seconds(value)


def listed(items: list[Any]) -> list[Any]:
    return items[:MAX_LISTED]


def names(items: list[str], *, limit: int = 5) -> str:
    """``a, b, c`` or ``a, b, c and 4 more``, for summaries."""
    shown = ", ".join(items[:limit])
    return f"{shown} and {len(items) - limit} more" if len(items) > limit else shown
