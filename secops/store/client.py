"""The one way to reach Elasticsearch: a client built from the settings."""

from __future__ import annotations

from typing import Any, TypeAlias

from elasticsearch import Elasticsearch

from secops.errors import ConfigError
from secops.es.node import node_for
from secops.settings import Settings

# The client type the rest of secops names; only secops.store imports the library.
StoreClient: TypeAlias = Elasticsearch


def resolve(settings: Settings) -> Settings:
    """``settings`` bound to a cluster: the configured one, else the running managed node
    (with secops' own account and the node's CA)."""
    if settings.es_url:
        return settings
    node = node_for(settings)
    if node.recorded() is None:
        raise ConfigError(
            "no Elasticsearch: set SECOPS_ES_URL or start the managed node (`secops es start`)"
        )
    return settings.model_copy(update=node.client_settings())


def resolve_url(settings: Settings) -> str:
    """The configured cluster, else the managed node if it runs."""
    return str(resolve(settings).es_url)


def make_client(settings: Settings, *, url: str | None = None) -> Elasticsearch:
    """A client for the cluster of ``settings`` (API key or basic auth, optional CA file)."""
    if url is None:
        settings = resolve(settings)
        url = str(settings.es_url)
    kwargs: dict[str, Any] = {
        "request_timeout": settings.es_request_timeout,
        "retry_on_timeout": True,
        "max_retries": 3,
    }
    if settings.es_api_key is not None:
        kwargs["api_key"] = settings.es_api_key.get_secret_value()
    elif settings.es_username and settings.es_password is not None:
        kwargs["basic_auth"] = (settings.es_username, settings.es_password.get_secret_value())
    # TLS options on an http:// URL are an error of the client; development mode allows one.
    if url.lower().startswith("https://"):
        if settings.es_ca_file is not None:
            kwargs["ca_certs"] = str(settings.es_ca_file)
        kwargs["verify_certs"] = settings.es_verify_certs
    return Elasticsearch(url, **kwargs)
