"""Where the managed node's secrets live: one owner-only directory beside the node.

``elastic_password``: the superuser's password (for an administrator, never used by secops);
``secops_password``: the password of the account secops uses (user ``secops``, role
:data:`secops.es.security.SECOPS_ROLE`);
``ca.crt`` / ``ca.key``: the CA that signs the node's HTTP certificate.

The directory is mode 0700 and every file 0600, owned by the user running secops;
the node's own process (``secops-es`` when root starts it) cannot read them.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from secops.es.tls import PemPair, make_ca


def write_secret(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` owner-only and atomically (never a half-written secret)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class NodeCredentials:
    """The secrets of one managed node, kept in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def elastic_password_file(self) -> Path:
        return self.directory / "elastic_password"

    @property
    def secops_password_file(self) -> Path:
        return self.directory / "secops_password"

    @property
    def ca_file(self) -> Path:
        return self.directory / "ca.crt"

    @property
    def ca_key_file(self) -> Path:
        return self.directory / "ca.key"

    def ensure_directory(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.directory.chmod(0o700)  # also when it existed with a wider mode

    def _read(self, path: Path) -> str | None:
        try:
            return path.read_text().strip() or None
        except FileNotFoundError:
            return None

    def elastic_password(self) -> str | None:
        return self._read(self.elastic_password_file)

    def secops_password(self) -> str | None:
        return self._read(self.secops_password_file)

    def _ensure_password(self, path: Path) -> tuple[str, bool]:
        current = self._read(path)
        if current is not None:
            return current, False
        password = secrets.token_urlsafe(24)
        self.ensure_directory()
        write_secret(path, password.encode())
        return password, True

    def ensure_elastic_password(self) -> tuple[str, bool]:
        """The superuser's password, and whether it was generated just now."""
        return self._ensure_password(self.elastic_password_file)

    def ensure_secops_password(self) -> str:
        return self._ensure_password(self.secops_password_file)[0]

    def ensure_ca(self) -> PemPair:
        """The node's CA, made on first use."""
        try:
            return PemPair(cert=self.ca_file.read_bytes(), key=self.ca_key_file.read_bytes())
        except FileNotFoundError:
            pass
        ca = make_ca()
        self.ensure_directory()
        write_secret(self.ca_key_file, ca.key)
        write_secret(self.ca_file, ca.cert)
        return ca
