"""The audit trail's Ed25519 key pair.

The private key is read from the PEM file of ``audit_signing_key_file`` when set
(refused if group or others may read it), else derived deterministically from the
``audit_signing_key`` secret: HKDF-SHA256 turns the secret into the 32-byte seed,
so every worker of one deployment signs with the same key without sharing a file.
The public key is all an auditor needs to verify the trail.
"""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from secops.errors import ConfigError
from secops.settings import Settings

_HKDF_SALT = b"secops.audit"
_HKDF_INFO = b"secops audit trail ed25519 seed v1"


def derive_private_key(secret: str) -> Ed25519PrivateKey:
    """The key pair of a secret: the same secret gives the same key, everywhere."""
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO).derive(
        secret.encode()
    )
    return Ed25519PrivateKey.from_private_bytes(seed)


def load_private_key_file(path: Path) -> Ed25519PrivateKey:
    """An Ed25519 private key from a PEM file that only its owner may read."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read audit signing key: {exc}", where=str(path)) from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"audit signing key is accessible to group or others (mode {stat.filemode(mode)}); "
            "chmod 600 it",
            where=str(path),
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ConfigError(f"not a PEM private key: {exc}", where=str(path)) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError("audit signing key must be Ed25519", where=str(path))
    return key


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The private key that signs this deployment's audit entries."""
    if settings.audit_signing_key_file is not None:
        return load_private_key_file(settings.audit_signing_key_file)
    if settings.audit_signing_key is None:
        raise ConfigError("SECOPS_AUDIT_SIGNING_KEY or SECOPS_AUDIT_SIGNING_KEY_FILE must be set")
    return derive_private_key(settings.audit_signing_key.get_secret_value())


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM text, as exported by ``secops audit export-key``."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ConfigError(f"not a PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError("audit public key must be Ed25519")
    return key


def key_id(key: Ed25519PublicKey) -> str:
    """Short fingerprint of a public key, stored in each entry: which key signed it."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]
