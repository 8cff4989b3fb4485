"""How the test suite reaches its Elasticsearch node, shared by its fixtures.

The suite's own node is the managed node of ``secops es start``: security on, TLS with
the node's CA, secops' own account and the ``elastic`` superuser. A node of the
developer's (``SECOPS_TEST_ES_URL``) takes its credentials from ``SECOPS_TEST_ES_API_KEY``
or ``SECOPS_TEST_ES_USERNAME``/``SECOPS_TEST_ES_PASSWORD`` and its CA from
``SECOPS_TEST_ES_CA_FILE`` (all optional: a node with security off needs none).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch
from pydantic import SecretStr

from secops.es.node import ManagedNode
from secops.settings import Settings

# What a test's own environment must not take from the developer's.
ES_ENV = (
    "SECOPS_ES_URL",
    "SECOPS_ES_API_KEY",
    "SECOPS_ES_USERNAME",
    "SECOPS_ES_PASSWORD",
    "SECOPS_ES_CA_FILE",
    "SECOPS_ES_VERIFY_CERTS",
)


def cache_dir() -> Path:
    """The distribution cache: SECOPS_CACHE_DIR, else the default of the settings."""
    return Path(os.environ.get("SECOPS_CACHE_DIR") or Settings(dev_mode=True).cache_dir)


def es_version() -> str:
    return Settings(dev_mode=True).es_version


@dataclass(frozen=True)
class NodeAccess:
    """A node's URL, secops' credentials on it, its CA, and an administrator if known."""

    url: str
    api_key: str | None = None
    username: str | None = None
    password: str | None = None
    ca_file: Path | None = None
    admin_username: str | None = None
    admin_password: str | None = None

    @classmethod
    def of_managed(cls, node: ManagedNode) -> NodeAccess:
        fields = node.client_settings()
        return cls(
            url=fields["es_url"],
            username=fields["es_username"],
            password=fields["es_password"].get_secret_value(),
            ca_file=fields["es_ca_file"],
            admin_username="elastic",
            admin_password=node.credentials.elastic_password(),
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> NodeAccess | None:
        url = env.get("SECOPS_TEST_ES_URL")
        if not url:
            return None
        ca = env.get("SECOPS_TEST_ES_CA_FILE")
        return cls(
            url=url,
            api_key=env.get("SECOPS_TEST_ES_API_KEY") or None,
            username=env.get("SECOPS_TEST_ES_USERNAME") or None,
            password=env.get("SECOPS_TEST_ES_PASSWORD") or None,
            ca_file=Path(ca) if ca else None,
        )

    def settings_fields(self) -> dict[str, Any]:
        """The ``es_*`` fields of :class:`Settings` that reach this node as secops."""
        return {
            "es_url": self.url,
            "es_api_key": SecretStr(self.api_key) if self.api_key else None,
            "es_username": self.username,
            "es_password": SecretStr(self.password) if self.password else None,
            "es_ca_file": self.ca_file,
        }

    def env(self) -> dict[str, str]:
        """The same as ``SECOPS_ES_*`` variables (only those that are set)."""
        values = {
            "SECOPS_ES_URL": self.url,
            "SECOPS_ES_API_KEY": self.api_key,
            "SECOPS_ES_USERNAME": self.username,
            "SECOPS_ES_PASSWORD": self.password,
            "SECOPS_ES_CA_FILE": str(self.ca_file) if self.ca_file else None,
        }
        return {k: v for k, v in values.items() if v}

    def process_env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """``base`` (default: this process' environment) with its ``SECOPS_ES_*`` replaced."""
        kept = {k: v for k, v in (os.environ if base is None else base).items()}
        for name in ES_ENV:
            kept.pop(name, None)
        return {**kept, **self.env()}

    def _client(self, auth: dict[str, Any], **kwargs: Any) -> Elasticsearch:
        if self.ca_file is not None:
            kwargs.setdefault("ca_certs", str(self.ca_file))
        kwargs.setdefault("request_timeout", 60)
        return Elasticsearch(self.url, **auth, **kwargs)

    def client(self, **kwargs: Any) -> Elasticsearch:
        """A client with secops' credentials."""
        if self.api_key:
            return self._client({"api_key": self.api_key}, **kwargs)
        if self.username and self.password:
            return self._client({"basic_auth": (self.username, self.password)}, **kwargs)
        return self._client({}, **kwargs)

    def admin_client(self, **kwargs: Any) -> Elasticsearch | None:
        """A superuser's client, if the node's administrator is known."""
        if not (self.admin_username and self.admin_password):
            return None
        auth = {"basic_auth": (self.admin_username, self.admin_password)}
        return self._client(auth, **kwargs)


def drop_namespace(es_node: NodeAccess, namespace: str) -> None:
    """Delete the indices of one test namespace."""
    with es_node.client() as client:
        pattern = f"secops-{namespace}-*"
        found = client.indices.get(index=pattern, expand_wildcards="all", allow_no_indices=True)
        if found:
            client.indices.delete(index=",".join(found))
