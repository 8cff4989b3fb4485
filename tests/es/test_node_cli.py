"""`secops es start|status|stop` on a node of its own: real version, no JVM left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from secops.es.http import basic_auth, request_json
from secops.es.node import ManagedNode, _group_alive

pytestmark = pytest.mark.integration


def _secops(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "secops", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_es_start_serves_version_9_and_stop_leaves_no_java() -> None:
    state = Path(tempfile.mkdtemp(prefix="secops-cli-es-"))
    state.chmod(0o755)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SECOPS_ES_")},
        "SECOPS_DEV_MODE": "1",
        "SECOPS_STATE_DIR": str(state),
    }
    started = _secops(env, "es", "start")
    assert started.returncode == 0, started.stderr
    status = _secops(env, "es", "status")
    assert status.returncode == 0
    info = json.loads(status.stdout)
    try:
        admin = info["admin"]
        password = Path(admin["password_file"]).read_text().strip()
        nodes = request_json(
            f"{info['url']}/_nodes/_local",
            ca_file=Path(admin["ca_file"]),
            authorization=basic_auth("elastic", password),
        )["nodes"]
        version = next(iter(nodes.values()))["version"]
        assert version.startswith("9.")
        assert info["status"] in ("green", "yellow")
        # The administrator's command that `es status` prints works as printed.
        curl = subprocess.run(
            ["bash", "-c", admin["curl"]], capture_output=True, text=True, timeout=60, check=False
        )
        assert curl.returncode == 0, curl.stderr
        assert json.loads(curl.stdout)["status"] in ("green", "yellow")
        # Other commands reach the managed node with secops' own account, unconfigured.
        listed = _secops(env, "users", "list")
        assert listed.returncode == 0, listed.stderr
    finally:
        stopped = _secops(env, "es", "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert not _group_alive(info["pid"]), "a process of the node's group survived stop"
    # No JVM of this node directory is left.
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    assert str(state) not in ps
    assert _secops(env, "es", "status").returncode == 1


def test_failed_start_reports_the_cause_and_leaves_nothing_running(tmp_path: Path) -> None:
    node_dir = Path(tempfile.mkdtemp(prefix="secops-bad-es-"))
    node_dir.chmod(0o755)
    # An invalid heap size makes the JVM refuse to start.
    node = ManagedNode(
        node_dir=node_dir,
        cache_dir=Path(os.environ.get("SECOPS_CACHE_DIR") or _default_cache()),
        version="9.5.4",
        heap="notasize",
    )
    from secops.errors import ElasticsearchNodeError

    with pytest.raises(ElasticsearchNodeError) as err:
        node.start(timeout=120)
    assert "exited" in str(err.value) or "ready" in str(err.value)
    assert node.recorded() is None
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    assert str(node_dir) not in ps


def _default_cache() -> Path:
    from secops.settings import Settings

    return Settings(dev_mode=True).cache_dir
