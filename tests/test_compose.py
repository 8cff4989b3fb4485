"""docker-compose.yml stays a valid, secure Compose file (no Docker engine needed)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / "docker-compose.yml"


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_file_validates_against_the_compose_specification() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_elasticsearch_has_security_and_tls_on_and_kibana_is_version_aligned() -> None:
    services = _compose()["services"]
    env = services["elasticsearch"]["environment"]
    assert env["xpack.security.enabled"] == "true"
    assert env["xpack.security.http.ssl.enabled"] == "true"
    es_version = services["elasticsearch"]["image"].rsplit(":", 1)[1]
    kibana_version = services["kibana"]["image"].rsplit(":", 1)[1]
    assert es_version.startswith("9.")
    assert es_version == kibana_version


def test_long_running_services_have_health_checks_and_volumes_exist() -> None:
    doc = _compose()
    declared = set(doc["volumes"])
    for name, svc in doc["services"].items():
        one_shot = name in ("setup", "es-init")
        assert one_shot or "healthcheck" in svc, f"{name} has no health check"
        for mount in svc.get("volumes", []):
            source = mount.split(":", 1)[0]
            assert source.startswith(".") or source in declared, f"{name}: undeclared {source}"


def test_no_secret_is_written_in_the_file() -> None:
    text = COMPOSE.read_text()
    # Passwords and keys come from generated files, never literal values.
    assert not re.search(r"(PASSWORD|API_KEY|SIGNING_KEY)\s*[:=]\s*['\"]?\w{6,}", text)
    secops = _compose()["services"]["secops"]
    assert secops["environment"]["SECOPS_SECRETS_DIR"] == "/secrets"
    assert "SECOPS_DEV_MODE" not in secops["environment"]
    assert secops["depends_on"]["es-init"]["condition"] == "service_completed_successfully"


def test_secops_image_builds_from_files_that_exist() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            for src in line.split()[1:-1]:
                assert (REPO / src).exists(), f"Dockerfile copies missing {src}"
