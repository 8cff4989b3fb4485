"""Settings refuse what they do not know: a typo is an error, not a silent default."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from secops.errors import ConfigError
from secops.settings import Settings, get_settings


def test_a_known_key_of_the_file_is_read(fresh: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "secops.toml"
    path.write_text("retention_days = 400\n")
    fresh.setenv("SECOPS_CONFIG_FILE", str(path))
    assert get_settings().retention_days == 400


def test_an_unknown_key_of_the_file_is_refused_with_the_file_and_a_hint(
    fresh: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "secops.toml"
    path.write_text("retention_dys = 400\n")
    fresh.setenv("SECOPS_CONFIG_FILE", str(path))
    with pytest.raises(ConfigError) as caught:
        get_settings()
    assert str(path) in str(caught.value)
    assert "retention_dys" in str(caught.value)
    assert "retention_days" in str(caught.value)


def test_an_unknown_environment_variable_is_refused(fresh: pytest.MonkeyPatch) -> None:
    fresh.setenv("SECOPS_RETENTON_DAYS", "30")
    with pytest.raises(ConfigError, match="SECOPS_RETENTON_DAYS"):
        get_settings()


def test_variables_of_the_tests_and_benchmarks_are_not_settings(
    fresh: pytest.MonkeyPatch,
) -> None:
    fresh.setenv("SECOPS_TEST_SOMETHING", "x")
    fresh.setenv("SECOPS_BENCH_SOMETHING", "x")
    assert get_settings().dev_mode


def test_an_unknown_keyword_is_refused() -> None:
    with pytest.raises(ValidationError, match="retention_dys"):
        Settings(dev_mode=True, retention_dys=3)  # type: ignore[call-arg]


def test_an_unknown_severity_in_the_sla_table_is_refused(
    fresh: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "secops.toml"
    path.write_text("[alert_sla_minutes]\ncritical = 10\nhihg = 30\n")
    fresh.setenv("SECOPS_CONFIG_FILE", str(path))
    with pytest.raises(ValidationError, match="hihg"):
        get_settings()


def test_the_sla_table_takes_the_severities(fresh: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "secops.toml"
    path.write_text("notify_min_severity = 'medium'\n[alert_sla_minutes]\ncritical = 10\n")
    fresh.setenv("SECOPS_CONFIG_FILE", str(path))
    settings = get_settings()
    assert settings.alert_sla_minutes == {"critical": 10}
    assert settings.notify_min_severity == "medium"
