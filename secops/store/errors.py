"""What the store raises, under the names the rest of secops catches.

They are the Elasticsearch client's own exception classes, so an ``except`` on one
of these catches exactly what it caught before; only ``secops.store`` names the
client library. ``secops.errors.StoreError`` stays the error secops raises itself.
"""

from __future__ import annotations

from elasticsearch import ApiError, ConflictError, NotFoundError, TransportError
from elasticsearch import ConnectionError as _ConnectionError

StoreRefused = ApiError  # the cluster answered with an error status
DocumentMissing = NotFoundError  # 404: no such document (or index)
VersionConflict = ConflictError  # 409: a create or a conditional write lost
StoreTransportError = TransportError  # no answer: connection, timeout, TLS
StoreUnreachable = _ConnectionError  # the connection itself failed

__all__ = [
    "DocumentMissing",
    "StoreRefused",
    "StoreTransportError",
    "StoreUnreachable",
    "VersionConflict",
]
