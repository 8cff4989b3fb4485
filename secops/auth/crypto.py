"""Small secrets at rest (TOTP seeds): AES-256-GCM, bound to the record they belong to."""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from secops.errors import ConfigError

_VERSION = "v1"


def seal(key: bytes, plaintext: str, *, bound_to: str) -> str:
    """``v1.<nonce+ciphertext, base64>``; ``bound_to`` (e.g. the username) is authenticated."""
    nonce = os.urandom(12)
    ct = AESGCM(key).encrypt(nonce, plaintext.encode(), bound_to.encode())
    return f"{_VERSION}.{base64.urlsafe_b64encode(nonce + ct).decode()}"


def unseal(key: bytes, sealed: str, *, bound_to: str) -> str:
    version, _, body = sealed.partition(".")
    if version != _VERSION:
        raise ConfigError(f"unknown sealed-secret version {version!r}", where=bound_to)
    raw = base64.urlsafe_b64decode(body)
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], bound_to.encode()).decode()
    except InvalidTag as exc:
        raise ConfigError(
            "cannot decrypt a stored secret: was SECOPS_DATA_KEY changed?", where=bound_to
        ) from exc
