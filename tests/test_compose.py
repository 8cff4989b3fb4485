"""docker-compose.yml stays a valid, secure Compose file (no Docker engine needed)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from secops.es.security import SECOPS_ROLE

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / "docker-compose.yml"


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


# The users the official images run as (uid, gid): Elastic's images use 1000:0.
IMAGE_USERS = {
    "docker.elastic.co/elasticsearch/elasticsearch": (1000, 0),
    "docker.elastic.co/kibana/kibana": (1000, 0),
}
# Who must read what, and nothing else of the generated secrets and keys.
NEEDS = {
    "elasticsearch": {"elastic_password", "elasticsearch.key", "elasticsearch.crt", "ca.crt"},
    "kibana": {"kibana_password", "ca.crt"},
    "secops": {
        "secops_token_signing_key",
        "secops_audit_signing_key",
        "secops_es_api_key",
        "ca.crt",
    },
}
PUBLIC = {"ca.crt", "elasticsearch.crt"}
OWN = r"^\s*own (\d+):(\d+) (0\d{3}) (\S+)$"  # how the one-shot services set owner and mode


@dataclass(frozen=True)
class Owned:
    volume: str
    name: str
    uid: int
    gid: int
    mode: int


def _mounts(service: dict[str, Any]) -> dict[str, tuple[str, bool]]:
    """Container path -> (named volume, read-only) of a service's named-volume mounts."""
    found = {}
    for mount in service.get("volumes", []):
        source, target, *opts = mount.split(":")
        if not source.startswith("."):
            found[target] = (source, "ro" in opts)
    return found


def _owned_files() -> list[Owned]:
    """Every file the one-shot services hand over (``own UID:GID MODE PATH``), by volume."""
    services = _compose()["services"]
    files = []
    for one_shot in ("setup", "es-init"):
        mounts = _mounts(services[one_shot])
        script = services[one_shot]["command"][-1]
        for uid, gid, mode, path in re.findall(
            r"^\s*own (\d+):(\d+) (0\d{3}) (\S+)$", script, re.M
        ):
            where = PurePosixPath(path)
            target = next(t for t in mounts if where.is_relative_to(t))
            files.append(Owned(mounts[target][0], where.name, int(uid), int(gid), int(mode, 8)))
    return files


def _secops_user() -> tuple[int, int]:
    dockerfile = (REPO / "Dockerfile").read_text()
    user = re.search(r"^USER (\d+):(\d+)$", dockerfile, re.M)
    created = re.search(r"useradd [^\n]*--uid (\d+) --gid (\d+)", dockerfile)
    assert user, "the image must run as a fixed uid:gid"
    assert created, "the image must create its user with that uid and gid"
    assert user.groups() == created.groups()
    return int(user.group(1)), int(user.group(2))


def _user_of(name: str, service: dict[str, Any]) -> tuple[int, int]:
    if "user" in service:
        uid, _, gid = str(service["user"]).partition(":")
        return int(uid), int(gid or 0)
    if "build" in service:
        return _secops_user()
    return IMAGE_USERS[service["image"].rsplit(":", 1)[0]]


def _can_read(user: tuple[int, int], f: Owned) -> bool:
    uid, gid = user
    if uid == 0:
        return True
    if uid == f.uid:
        return bool(f.mode & 0o400)
    if gid == f.gid:
        return bool(f.mode & 0o040)
    return bool(f.mode & 0o004)


def test_each_service_reads_exactly_its_own_secrets() -> None:
    services = _compose()["services"]
    files = _owned_files()
    assert {f.name for f in files} >= set().union(*NEEDS.values())
    problems = []
    for name, needed in NEEDS.items():
        service = services[name]
        user = _user_of(name, service)
        volumes = {vol: ro for vol, ro in _mounts(service).values()}
        readable = {f.name for f in files if f.volume in volumes and _can_read(user, f)}
        if missing := needed - readable:
            problems.append(f"{name} cannot read {sorted(missing)}")
        if extra := readable - needed:
            problems.append(f"{name} can read {sorted(extra)}, which it does not need")
        writable = [v for v in volumes if v in {f.volume for f in files} and not volumes[v]]
        if writable:
            problems.append(f"{name} mounts the secrets of {writable} writable")
    assert not problems, problems


def test_secret_files_are_closed_to_other_users() -> None:
    for f in _owned_files():
        if f.name not in PUBLIC:
            assert f.mode & 0o077 == 0, f"{f.volume}/{f.name} is mode {f.mode:o}"


@pytest.mark.parametrize("service", ["secops", "kibana"])
def test_the_superuser_password_reaches_neither_secops_nor_kibana(service: str) -> None:
    services = _compose()["services"]
    mounted = {vol for vol, _ in _mounts(services[service]).values()}
    holding = {f.volume for f in _owned_files() if f.name == "elastic_password"}
    assert holding
    assert not mounted & holding
    assert "elastic_password" not in json.dumps(services[service])


def test_secops_api_key_has_the_role_secops_is_given_on_the_managed_node() -> None:
    script = _compose()["services"]["es-init"]["command"][-1]
    body = re.search(r"_security/api_key \\\s*-d '([^']+)'", script)
    assert body, "es-init creates no API key"
    request = json.loads(body.group(1))
    assert request["role_descriptors"] == {"secops": SECOPS_ROLE}


def test_secops_settings_point_into_its_own_mounts() -> None:
    secops = _compose()["services"]["secops"]
    env = secops["environment"]
    targets = _mounts(secops)
    assert env["SECOPS_SECRETS_DIR"] in targets
    ca = PurePosixPath(env["SECOPS_ES_CA_FILE"])
    assert any(ca.is_relative_to(t) for t in targets)
    assert env["SECOPS_ES_URL"].startswith("https://")
    # Which peers' X-Forwarded-For is believed: set, and a JSON list of networks.
    assert isinstance(json.loads(env["SECOPS_TRUSTED_PROXIES"]), list)


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
    assert secops["environment"]["SECOPS_SECRETS_DIR"] == "/run/secops-secrets"
    assert "SECOPS_DEV_MODE" not in secops["environment"]
    assert secops["depends_on"]["es-init"]["condition"] == "service_completed_successfully"


def test_secops_image_builds_from_files_that_exist() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            for src in line.split()[1:-1]:
                assert (REPO / src).exists(), f"Dockerfile copies missing {src}"
