"""A managed single-node Elasticsearch for development, tests and small sites.

The node runs the Maven Central distribution on a JDK 21+, bound to 127.0.0.1,
with its config, data, logs and temp files under one node directory. Elasticsearch
refuses to run as root, so when root starts it the node runs as the unprivileged
system user ``secops-es`` (created if missing), which owns the node directory.
The node's process group is recorded in ``node.json`` so that ``stop`` (from this
process or from another one) leaves no JVM behind.
"""

from __future__ import annotations

import json
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secops.errors import ElasticsearchNodeError
from secops.es.distribution import ensure_distribution
from secops.es.java import find_java_home

log = logging.getLogger(__name__)

ES_USER = "secops-es"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _http_json(url: str, timeout: float = 2.0) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (loopback only)
        return dict(json.loads(resp.read()))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is dead for our purposes.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _ensure_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(ES_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", ES_USER],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(ES_USER)


def _check_traversable(path: Path) -> None:
    """The unprivileged node user must be able to reach ``path``."""
    for parent in [path, *path.parents]:
        if parent.exists() and not os.stat(parent).st_mode & 0o001:
            raise ElasticsearchNodeError(
                f"{parent} is not searchable by other users, so the node user "
                f"{ES_USER} cannot reach {path}; choose a state/cache directory "
                "outside it (SECOPS_STATE_DIR, SECOPS_CACHE_DIR)",
                where=str(path),
            )


@dataclass(frozen=True)
class NodeInfo:
    pid: int
    port: int
    version: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class ManagedNode:
    """Start, watch and stop one Elasticsearch node living in ``node_dir``."""

    def __init__(
        self,
        *,
        node_dir: Path,
        cache_dir: Path,
        version: str,
        port: int | None = None,
        heap: str = "1g",
        java_home: Path | None = None,
        extra_settings: dict[str, str] | None = None,
    ) -> None:
        self.node_dir = node_dir
        self.cache_dir = cache_dir
        self.version = version
        self.port = port
        self.heap = heap
        self.java_home = java_home
        self.extra_settings = dict(extra_settings or {})
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def info_file(self) -> Path:
        return self.node_dir / "node.json"

    # -- status -----------------------------------------------------------------

    def recorded(self) -> NodeInfo | None:
        """The node recorded in node.json, if its process is still alive."""
        try:
            data = json.loads(self.info_file.read_text())
        except (OSError, ValueError):
            return None
        info = NodeInfo(pid=int(data["pid"]), port=int(data["port"]), version=data["version"])
        return info if _pid_alive(info.pid) else None

    def status(self) -> dict[str, Any]:
        info = self.recorded()
        if info is None:
            return {"running": False}
        try:
            health = _http_json(f"{info.url}/_cluster/health")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            return {"running": True, "url": info.url, "pid": info.pid, "error": str(exc)}
        return {
            "running": True,
            "url": info.url,
            "pid": info.pid,
            "version": info.version,
            "status": health.get("status"),
        }

    # -- start ------------------------------------------------------------------

    def _prepare(self, es_home: Path, port: int) -> tuple[list[str], dict[str, str]]:
        conf = self.node_dir / "config"
        if not conf.exists():
            shutil.copytree(es_home / "config", conf)
        for sub in ("data", "logs", "tmp"):
            (self.node_dir / sub).mkdir(parents=True, exist_ok=True)
        java_home = find_java_home(self.java_home, os.environ.get("JAVA_HOME"))
        settings = {
            "cluster.name": "secops",
            "node.name": "secops-managed",
            "discovery.type": "single-node",
            "network.host": "127.0.0.1",
            "http.port": str(port),
            "path.data": str(self.node_dir / "data"),
            "path.logs": str(self.node_dir / "logs"),
            # Loopback-only development node; a production cluster has security on.
            "xpack.security.enabled": "false",
            # Shared machines run fuller than a server: keep working down to the last GiB.
            "cluster.routing.allocation.disk.watermark.low": "2gb",
            "cluster.routing.allocation.disk.watermark.high": "1gb",
            "cluster.routing.allocation.disk.watermark.flood_stage": "500mb",
            **self.extra_settings,
        }
        cmd = [str(es_home / "bin" / "elasticsearch")]
        for key, value in settings.items():
            cmd += ["-E", f"{key}={value}"]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ES_JAVA_HOME": str(java_home),
            "ES_PATH_CONF": str(conf),
            "ES_TMPDIR": str(self.node_dir / "tmp"),
            "ES_JAVA_OPTS": f"-Xms{self.heap} -Xmx{self.heap}",
            "HOME": str(self.node_dir),
        }
        return cmd, env

    def start(self, *, timeout: float = 180.0) -> NodeInfo:
        """Start the node (or return the running one) and wait until it is yellow."""
        running = self.recorded()
        if running is not None:
            return running
        es_home = ensure_distribution(self.version, self.cache_dir)
        self.node_dir.mkdir(parents=True, exist_ok=True)
        port = self.port or free_port()
        cmd, env = self._prepare(es_home, port)
        user_kwargs: dict[str, Any] = {}
        if os.geteuid() == 0:
            account = _ensure_user()
            _check_traversable(es_home)
            _check_traversable(self.node_dir)
            for root, dirs, files in os.walk(self.node_dir):
                for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
                    os.chown(name, account.pw_uid, account.pw_gid)
            user_kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        console = (self.node_dir / "logs" / "console.log").open("ab")
        log.info("starting Elasticsearch %s on 127.0.0.1:%d", self.version, port)
        self._proc = subprocess.Popen(
            cmd,
            env=env,
            cwd=self.node_dir,
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stop() kills the CLI and the JVM
            **user_kwargs,
        )
        console.close()
        info = NodeInfo(pid=self._proc.pid, port=port, version=self.version)
        self.info_file.write_text(
            json.dumps({"pid": info.pid, "port": port, "version": self.version})
        )
        try:
            self._wait_ready(info, timeout)
        except BaseException:
            self.stop()
            raise
        return info

    def _wait_ready(self, info: NodeInfo, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = f"{info.url}/_cluster/health?wait_for_status=yellow&timeout=1s"
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise ElasticsearchNodeError(
                    f"Elasticsearch exited with code {self._proc.returncode} during start:\n"
                    + self._console_tail(),
                    where=str(self.node_dir / "logs" / "console.log"),
                )
            try:
                if _http_json(url).get("status") in ("yellow", "green"):
                    return
            except (urllib.error.URLError, OSError, ValueError):
                pass
            time.sleep(0.25)
        raise ElasticsearchNodeError(
            f"Elasticsearch did not become ready within {timeout:.0f}s:\n" + self._console_tail(),
            where=info.url,
        )

    def _console_tail(self, lines: int = 20) -> str:
        try:
            text = (self.node_dir / "logs" / "console.log").read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    # -- stop -------------------------------------------------------------------

    def stop(self, *, timeout: float = 30.0) -> bool:
        """Stop the node's whole process group; True if something was running."""
        pid = self._proc.pid if self._proc is not None else None
        if pid is None:
            info = self.recorded()
            pid = info.pid if info else None
        if pid is None:
            self.info_file.unlink(missing_ok=True)
            return False
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if self._proc is not None:
                    self._proc.poll()
                if not _pid_alive(pid) and not _group_alive(pid):
                    break
                time.sleep(0.1)
            else:
                continue
            break
        self._proc = None
        self.info_file.unlink(missing_ok=True)
        return True


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def node_for(settings: Any) -> ManagedNode:
    """The managed node described by the settings."""
    return ManagedNode(
        node_dir=settings.es_home,
        cache_dir=settings.cache_dir,
        version=settings.es_version,
        port=settings.es_port,
        heap=settings.es_heap,
        java_home=settings.es_java_home,
    )
