"""Key files must be private; sealed secrets are bound to their owner."""

from __future__ import annotations

from pathlib import Path

import pytest

from secops.auth.crypto import seal, unseal
from secops.auth.keys import data_key, signing_key
from secops.errors import ConfigError
from secops.settings import Settings


def test_group_or_world_readable_signing_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "token.key"
    path.write_text("k" * 48)
    path.chmod(0o640)
    settings = Settings(dev_mode=True, token_signing_key_file=path, state_dir=tmp_path)
    with pytest.raises(ConfigError, match="readable"):
        signing_key(settings)
    path.chmod(0o600)
    assert signing_key(settings) == b"k" * 48


def test_dev_data_key_survives_a_restart_and_seals_bound_to_a_name(tmp_path: Path) -> None:
    first = data_key(Settings(dev_mode=True, state_dir=tmp_path))
    second = data_key(Settings(dev_mode=True, state_dir=tmp_path))  # new random signing key
    assert first == second
    assert (tmp_path / "auth" / "data.key").stat().st_mode & 0o077 == 0
    sealed = seal(first, "JBSWY3DPEHPK3PXP", bound_to="alice")
    assert unseal(second, sealed, bound_to="alice") == "JBSWY3DPEHPK3PXP"
    with pytest.raises(ConfigError):
        unseal(first, sealed, bound_to="mallory")
