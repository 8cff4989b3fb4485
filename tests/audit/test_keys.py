"""Where the signing key comes from, and the checks on a key file."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import SecretStr

from secops.audit.keys import (
    derive_private_key,
    key_id,
    load_public_key,
    public_key_pem,
    signing_key,
)
from secops.errors import ConfigError
from secops.settings import Settings


def _raw(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def test_same_secret_same_key_other_secret_other_key() -> None:
    assert _raw(derive_private_key("s1")) == _raw(derive_private_key("s1"))
    assert _raw(derive_private_key("s1")) != _raw(derive_private_key("s2"))


def test_public_key_round_trips_through_pem() -> None:
    pub = derive_private_key("s").public_key()
    assert key_id(load_public_key(public_key_pem(pub))) == key_id(pub)
    with pytest.raises(ConfigError):
        load_public_key("not a key")


def _key_file(tmp_path: Path, mode: int) -> tuple[Path, Ed25519PrivateKey]:
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "audit.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(mode)
    return path, key


def test_key_file_overrides_the_secret(tmp_path: Path) -> None:
    path, key = _key_file(tmp_path, 0o600)
    settings = Settings(
        dev_mode=True, audit_signing_key=SecretStr("x"), audit_signing_key_file=path
    )
    assert _raw(signing_key(settings)) == _raw(key)


def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    path, _ = _key_file(tmp_path, 0o644)
    settings = Settings(dev_mode=True, audit_signing_key_file=path)
    with pytest.raises(ConfigError, match="group or others"):
        signing_key(settings)
