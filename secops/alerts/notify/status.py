"""Per-channel delivery counters, kept in the state index so any API node can show them."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from secops.context import Context
from secops.times import iso_millis

_KIND = "notify_status"


class ChannelStats(BaseModel):
    channel: str
    sent: int = 0
    failed_attempts: int = 0
    gave_up: int = 0
    dropped: int = 0  # the queue was full
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_success_at: datetime | None = None


class StatusStore:
    """Saves a channel's counters as one state document; the newest write wins."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def save(self, stats: ChannelStats) -> None:
        self.ctx.es.index(
            index=self.ctx.names.state,
            id=f"{_KIND}:{stats.channel}",
            document={
                "kind": _KIND,
                "key": stats.channel,
                "updated_at": iso_millis(datetime.now(UTC)),
                "data": stats.model_dump(mode="json"),
            },
        )


def channel_status(ctx: Context) -> list[ChannelStats]:
    resp = ctx.es.search(
        index=ctx.names.state,
        query={"term": {"kind": _KIND}},
        size=100,
        sort=[{"key": "asc"}],
        ignore_unavailable=True,
    )
    return [ChannelStats.model_validate(h["_source"]["data"]) for h in resp["hits"]["hits"]]
