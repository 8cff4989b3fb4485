"""Notifications of new alerts: webhook (HMAC-signed), SMTP mail, syslog forward.

A `Dispatcher` takes new alerts from `write_alerts` (it is an `AlertSink`), keeps
them in a bounded queue, and delivers them from one background thread, retrying
each channel with exponential backoff. Delivery is best-effort: a full queue or
a channel that keeps failing is counted, never blocks detection.
"""

from secops.alerts.notify.dispatcher import Dispatcher, from_settings
from secops.alerts.notify.metrics import NotificationCollector
from secops.alerts.notify.status import channel_status

__all__ = ["Dispatcher", "NotificationCollector", "channel_status", "from_settings"]
