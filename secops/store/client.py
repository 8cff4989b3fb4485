"""The one way to reach Elasticsearch: a client built from the settings."""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch

from secops.errors import ConfigError
from secops.es.node import node_for
from secops.settings import Settings


def resolve_url(settings: Settings) -> str:
    """The configured cluster, else the managed node if it runs."""
    if settings.es_url:
        return settings.es_url
    info = node_for(settings).recorded()
    if info is None:
        raise ConfigError(
            "no Elasticsearch: set SECOPS_ES_URL or start the managed node (`secops es start`)"
        )
    return info.url


def make_client(settings: Settings, *, url: str | None = None) -> Elasticsearch:
    """A client for the cluster of ``settings`` (API key or basic auth, optional CA file)."""
    kwargs: dict[str, Any] = {
        "request_timeout": settings.es_request_timeout,
        "retry_on_timeout": True,
        "max_retries": 3,
    }
    if settings.es_api_key is not None:
        kwargs["api_key"] = settings.es_api_key.get_secret_value()
    elif settings.es_username and settings.es_password is not None:
        kwargs["basic_auth"] = (settings.es_username, settings.es_password.get_secret_value())
    if settings.es_ca_file is not None:
        kwargs["ca_certs"] = str(settings.es_ca_file)
    kwargs["verify_certs"] = settings.es_verify_certs
    return Elasticsearch(url or resolve_url(settings), **kwargs)
