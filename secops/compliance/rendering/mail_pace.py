"""One mail of a report per report per ``MAIL_INTERVAL``, across every API node.

Mailing sends the report's PDFs to a fixed list: a caller repeating the request
would flood the list (and the relay) with the same attachments. The slot of each
report is taken before sending (``secops.store.slots``), so two concurrent requests
send one mail; a mail the relay refused frees it, so it can be tried again at once.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from secops.context import Context
from secops.errors import RateLimitedError
from secops.store.slots import free_slot, take_slot

MAIL_INTERVAL = timedelta(minutes=10)
_KIND = "report_mail"


def claim(ctx: Context, *, report_id: str, now: datetime) -> None:
    """Take the report's mail slot at ``now``; RateLimitedError while the last is recent."""
    wait = take_slot(ctx.es, ctx.names, kind=_KIND, key=report_id, now=now, interval=MAIL_INTERVAL)
    if wait is not None:
        minutes = int(MAIL_INTERVAL.total_seconds() // 60)
        raise RateLimitedError(
            f"report {report_id} is mailed at most once every {minutes} minutes",
            retry_after=math.ceil(wait.total_seconds()),
            where=report_id,
        )


def release(ctx: Context, *, report_id: str) -> None:
    """Give the slot back after a mail that was not sent."""
    free_slot(ctx.es, ctx.names, kind=_KIND, key=report_id)
