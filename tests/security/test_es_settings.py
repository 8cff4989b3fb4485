"""An external cluster outside development mode: credentials, https and verified certificates."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from pydantic import SecretStr

from secops.errors import ConfigError
from secops.settings import Settings

# A production instance has its own secrets; these stand in for them.
PRODUCTION = {
    "token_signing_key": SecretStr(secrets.token_urlsafe(32)),
    "audit_signing_key": SecretStr(secrets.token_urlsafe(32)),
}


def _production(**es: Any) -> Settings:
    return Settings(dev_mode=False, **PRODUCTION, **es)


def test_a_cluster_without_credentials_is_refused_outside_development_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("SECOPS_ES_API_KEY", "SECOPS_ES_USERNAME", "SECOPS_ES_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="SECOPS_ES_API_KEY or SECOPS_ES_USERNAME"):
        _production(es_url="https://es.example:9200")
    with pytest.raises(ConfigError, match="SECOPS_ES_API_KEY or SECOPS_ES_USERNAME"):
        _production(es_url="https://es.example:9200", es_username="secops")


def test_plain_http_and_unverified_certificates_are_refused_outside_development_mode() -> None:
    key = SecretStr("a2V5OnNlY3JldA==")
    with pytest.raises(ConfigError, match="https://"):
        _production(es_url="http://es.example:9200", es_api_key=key)
    with pytest.raises(ConfigError, match="SECOPS_ES_CA_FILE"):
        _production(es_url="https://es.example:9200", es_api_key=key, es_verify_certs=False)


def test_an_authenticated_verified_cluster_is_accepted() -> None:
    by_key = _production(es_url="https://es.example:9200", es_api_key=SecretStr("a2V5"))
    assert by_key.es_api_key is not None
    by_password = _production(
        es_url="https://es.example:9200", es_username="secops", es_password=SecretStr("pw")
    )
    assert by_password.es_username == "secops"


def test_development_mode_may_use_a_local_node_without_security() -> None:
    dev = Settings(dev_mode=True, es_url="http://127.0.0.1:9250")
    assert dev.es_api_key is None
