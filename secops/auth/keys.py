"""Key material of access control: the token signing key and the data key.

The signing key comes from a file (refused when group- or world-readable) or from
the settings. The data key encrypts TOTP secrets at rest: ``data_key`` when set,
else derived from the signing key; a development instance, whose signing key is
random at each start, keeps a generated data key in its state directory so that
enrolled authenticators survive a restart.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from secops.errors import ConfigError
from secops.settings import Settings


def read_private_file(path: Path) -> bytes:
    """Bytes of a key file that only its owner may read."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes().strip()
    except OSError as exc:
        raise ConfigError(f"cannot read key file: {exc}", where=str(path)) from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError("key file is readable by group or others (chmod 600 it)", where=str(path))
    if len(data) < 32:
        raise ConfigError("key file holds fewer than 32 bytes", where=str(path))
    return data


def signing_key(settings: Settings) -> bytes:
    if settings.token_signing_key_file is not None:
        return read_private_file(settings.token_signing_key_file)
    if settings.token_signing_key is None:  # the settings validator prevents this
        raise ConfigError("SECOPS_TOKEN_SIGNING_KEY is not set")
    return settings.token_signing_key.get_secret_value().encode()


def key_id(key: bytes) -> str:
    """A short public name of a key, carried by tokens (never the key itself)."""
    return hashlib.sha256(b"secops-kid" + key).hexdigest()[:12]


def _derive(material: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(material)


def _dev_data_key(settings: Settings) -> bytes:
    path = settings.state_dir / "auth" / "data.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return read_private_file(path)


def data_key(settings: Settings, *, purpose: bytes = b"secops totp secret v1") -> bytes:
    """32 bytes for AES-GCM, derived for one ``purpose``."""
    if settings.data_key is not None:
        material = settings.data_key.get_secret_value().encode()
    elif settings.dev_mode and settings.token_signing_key_file is None:
        material = _dev_data_key(settings)
    else:
        material = signing_key(settings)
    return _derive(material, purpose)
