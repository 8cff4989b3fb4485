"""The store stage: the only way secops reaches Elasticsearch."""

from secops.store.bootstrap import BootstrapReport, bootstrap
from secops.store.client import StoreClient, make_client, resolve_url
from secops.store.health import cluster_health
from secops.store.names import IndexNames

__all__ = [
    "BootstrapReport",
    "IndexNames",
    "StoreClient",
    "bootstrap",
    "cluster_health",
    "make_client",
    "resolve_url",
]
