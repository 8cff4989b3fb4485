"""Webhook: JSON body signed with HMAC-SHA256 over ``timestamp.body``.

Headers: ``X-Secops-Timestamp`` (Unix seconds) and ``X-Secops-Signature``
(``sha256=<hex>``). A receiver recomputes the HMAC with the shared secret and
rejects old timestamps, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.request
from typing import Any

import orjson

from secops.alerts.notify.base import essentials

TIMESTAMP_HEADER = "X-Secops-Timestamp"
SIGNATURE_HEADER = "X-Secops-Signature"


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: bytes, *, timestamp: str, body: bytes, signature: str, tolerance: float = 300
) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        age = abs(time.time() - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature)


class WebhookChannel:
    name = "webhook"

    def __init__(self, url: str, secret: bytes, *, timeout: float = 10.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"webhook URL must be http(s): {url!r}")
        self.url = url
        self.secret = secret
        self.timeout = timeout

    def send(self, alert_id: str, alert: dict[str, Any]) -> None:
        body = orjson.dumps({"type": "alert.created", "alert": essentials(alert_id, alert)})
        timestamp = str(int(time.time()))
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(self.secret, timestamp, body),
            },
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as resp:  # noqa: S310
            if not 200 <= resp.status < 300:
                raise OSError(f"webhook answered {resp.status}")
