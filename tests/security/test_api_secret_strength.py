"""Outside development mode, signing keys and ingest keys of fewer than 32 random bytes
are refused at start-up, with a message naming the setting."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import pytest
from pydantic import SecretStr

from secops.errors import ConfigError
from secops.secret_strength import key_material
from secops.settings import Settings

STRONG = {
    "token_signing_key": SecretStr(secrets.token_urlsafe(32)),
    "audit_signing_key": SecretStr(secrets.token_hex(32)),
}


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"state_dir": tmp_path, **STRONG, **overrides}
    return Settings(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("setting", "env"),
    [
        ("token_signing_key", "SECOPS_TOKEN_SIGNING_KEY"),
        ("audit_signing_key", "SECOPS_AUDIT_SIGNING_KEY"),
        ("data_key", "SECOPS_DATA_KEY"),
    ],
)
@pytest.mark.parametrize(
    "weak",
    [
        "changeme",
        secrets.token_hex(31),  # 62 hex digits: 31 bytes
        secrets.token_urlsafe(24),  # 32 characters, but 24 bytes
        base64.b64encode(secrets.token_bytes(31)).decode(),
        "a" * 64,
        "ab" * 40,
    ],
)
def test_a_weak_key_is_refused_outside_development_mode(
    tmp_path: Path, setting: str, env: str, weak: str
) -> None:
    with pytest.raises(ConfigError, match=env) as refused:
        _settings(tmp_path, **{setting: SecretStr(weak)})
    assert "32" in refused.value.message
    assert weak not in refused.value.message  # the message never shows the secret
    # A development instance says so loudly elsewhere, and accepts it.
    _settings(tmp_path, dev_mode=True, **{setting: SecretStr(weak)})


def test_a_short_ingest_key_is_refused(tmp_path: Path) -> None:
    good = SecretStr(secrets.token_urlsafe(32))
    with pytest.raises(ConfigError, match=r"SECOPS_INGEST_API_KEYS\[1\] holds 16 bytes"):
        _settings(tmp_path, ingest_api_keys=[good, SecretStr(secrets.token_hex(16))])
    assert _settings(tmp_path, ingest_api_keys=[good]).ingest_api_keys == [good]


def test_the_environment_is_checked_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECOPS_TOKEN_SIGNING_KEY", "short-signing-key")
    monkeypatch.setenv("SECOPS_AUDIT_SIGNING_KEY", secrets.token_urlsafe(32))
    monkeypatch.setenv("SECOPS_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("SECOPS_DEV_MODE", raising=False)
    with pytest.raises(ConfigError, match="SECOPS_TOKEN_SIGNING_KEY holds 17 bytes"):
        Settings()


@pytest.mark.parametrize(
    "strong",
    [
        secrets.token_urlsafe(32),
        secrets.token_hex(32),
        base64.b64encode(secrets.token_bytes(32)).decode(),
        "violet lantern orbit quarry bishop meadow falcon",  # long enough as text
    ],
)
def test_strong_keys_are_accepted(tmp_path: Path, strong: str) -> None:
    assert len(key_material(strong)) >= 32
    settings = _settings(tmp_path, token_signing_key=SecretStr(strong), data_key=SecretStr(strong))
    assert settings.token_signing_key == SecretStr(strong)
