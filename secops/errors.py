"""One exception tree for the whole package.

Each stage has its own subclass, and each error carries *where* the problem is
(a rule's path and line, a collector and its source, an offset), so that a
report can point at it. Constructors do no I/O.
"""

from __future__ import annotations


class SecopsError(Exception):
    """Base of every error secops raises on purpose."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(f"{message} in {where}" if where else message)


class ConfigError(SecopsError):
    """Settings are missing, contradictory or unsafe."""


class ElasticsearchNodeError(SecopsError):
    """The managed Elasticsearch node could not be obtained, started or stopped."""


class StoreError(SecopsError):
    """Elasticsearch refused or failed an operation of secops.store."""


class CollectError(SecopsError):
    """A receiver could not accept a record (framing, TLS, limits)."""


class SpoolError(SecopsError):
    """The durable spool cannot accept or return records (full disk, corruption)."""


class SpoolFullError(SpoolError):
    """The spool reached its configured bound; the sender must back off."""


class NormalizeError(SecopsError):
    """A record could not be parsed by the parser that claimed it."""


class RuleError(SecopsError):
    """A Sigma rule could not be loaded or compiled."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if path and line else path
        super().__init__(message, where=where)


class AuthError(SecopsError):
    """Authentication failed; the message never says whether an account exists."""


class PermissionDeniedError(SecopsError):
    """An authenticated caller lacks the role or the fresh MFA an action needs."""


class NotFoundError(SecopsError):
    """A requested object does not exist."""


class ConflictError(SecopsError):
    """A stale update lost against a concurrent one (optimistic concurrency)."""


class InvalidInputError(SecopsError):
    """A request is well-formed JSON but says something that cannot be done."""


class RateLimitedError(SecopsError):
    """A caller exceeded its rate; ``retry_after`` tells it when to come back."""

    def __init__(self, message: str, *, retry_after: float, where: str | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message, where=where)


class UnavailableError(SecopsError):
    """A dependency (Elasticsearch, the spool) cannot take work right now."""

    def __init__(self, message: str, *, retry_after: float = 1.0, where: str | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message, where=where)
