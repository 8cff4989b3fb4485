"""A managed single-node Elasticsearch for development, tests and small sites.

The node runs the Maven Central distribution on a JDK 21+, bound to 127.0.0.1,
with its config, data, logs and temp files under one node directory. Elasticsearch
refuses to run as root, so when root starts it the node runs as the unprivileged
system user ``secops-es`` (created if missing), which owns the node directory.
The node's process group is recorded in ``node.json`` so that ``stop`` (from this
process or from another one) leaves no JVM behind.

Security is on in every mode: HTTPS with a certificate of the node's own CA, the
``elastic`` superuser's password generated at first start, and an API key for
secops with only the privileges it needs; all kept owner-only in the credentials
directory beside the node directory (:mod:`secops.es.credentials`).
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from secops.errors import ElasticsearchNodeError
from secops.es.credentials import NodeCredentials, write_secret
from secops.es.distribution import ensure_distribution
from secops.es.http import basic_auth, request_json
from secops.es.java import find_java_home
from secops.es.security import SECOPS_USER, file_realm
from secops.es.tls import issue_node_cert

log = logging.getLogger(__name__)

ES_USER = "secops-es"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
        return f"https://127.0.0.1:{self.port}"


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
        credentials_dir: Path | None = None,
    ) -> None:
        self.node_dir = node_dir
        # Beside the node directory, not in it: the node's user owns that one.
        self.credentials = NodeCredentials(
            credentials_dir or node_dir.with_name(f"{node_dir.name}-credentials")
        )
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

    @property
    def snapshots_dir(self) -> Path:
        """The node's ``path.repo``: filesystem snapshot repositories (the archive).

        Beside the node directory, so that resetting the node keeps the archive.
        """
        return self.node_dir.with_name(f"{self.node_dir.name}-snapshots")

    # -- status -----------------------------------------------------------------

    def recorded(self) -> NodeInfo | None:
        """The node recorded in node.json, if its process is still alive."""
        try:
            data = json.loads(self.info_file.read_text())
        except (OSError, ValueError):
            return None
        info = NodeInfo(pid=int(data["pid"]), port=int(data["port"]), version=data["version"])
        return info if _pid_alive(info.pid) else None

    def client_settings(self) -> dict[str, Any]:
        """Settings fields that connect secops to the running node: its own account, the CA."""
        info = self.recorded()
        password = self.credentials.secops_password()
        if info is None or password is None:
            raise ElasticsearchNodeError(
                "the managed node is not running (`secops es start`)", where=str(self.node_dir)
            )
        return {
            "es_url": info.url,
            "es_api_key": None,
            "es_username": SECOPS_USER,
            "es_password": SecretStr(password),
            "es_ca_file": self.credentials.ca_file,
            "es_verify_certs": True,
        }

    def admin(self) -> dict[str, str]:
        """How an administrator reaches the node as ``elastic``: files and a curl example."""
        creds = self.credentials
        info = self.recorded()
        url = info.url if info else f"https://127.0.0.1:{self.port or '<port>'}"
        return {
            "user": "elastic",
            "password_file": str(creds.elastic_password_file),
            "ca_file": str(creds.ca_file),
            "secops_password_file": str(creds.secops_password_file),
            "curl": f"curl --cacert {creds.ca_file} "
            f'-u "elastic:$(cat {creds.elastic_password_file})" {url}/_cluster/health?pretty',
        }

    def _health(self, info: NodeInfo, query: str = "", timeout: float = 2.0) -> dict[str, Any]:
        password = self.credentials.elastic_password() or ""
        return request_json(
            f"{info.url}/_cluster/health{query}",
            ca_file=self.credentials.ca_file,
            authorization=basic_auth("elastic", password),
            timeout=timeout,
        )

    def status(self) -> dict[str, Any]:
        info = self.recorded()
        if info is None:
            return {"running": False, "admin": self.admin()}
        try:
            health = self._health(info)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            return {
                "running": True,
                "url": info.url,
                "pid": info.pid,
                "error": str(exc),
                "admin": self.admin(),
            }
        return {
            "running": True,
            "url": info.url,
            "pid": info.pid,
            "version": info.version,
            "status": health.get("status"),
            "admin": self.admin(),
        }

    # -- start ------------------------------------------------------------------

    def _secure(self, es_home: Path, conf: Path, env: dict[str, str]) -> dict[str, str]:
        """Certificates and the superuser's password in the node's config; its TLS settings."""
        ca = self.credentials.ensure_ca()
        node_cert = issue_node_cert(ca)
        certs = conf / "certs"
        certs.mkdir(mode=0o700, exist_ok=True)
        write_secret(certs / "http.key", node_cert.key)
        write_secret(certs / "http.crt", node_cert.cert)
        for name, content in file_realm(self.credentials.ensure_secops_password()).items():
            write_secret(conf / name, content)
        password, generated = self.credentials.ensure_elastic_password()
        if generated or not (conf / "elasticsearch.keystore").exists():
            # `elastic` authenticates with the keystore's bootstrap password (this
            # distribution cannot keep native users: see secops.es.security).
            keystore = str(es_home / "bin" / "elasticsearch-keystore")
            done = subprocess.run(
                [keystore, "add", "-x", "-f", "bootstrap.password"],
                input=password,
                text=True,
                env={k: v for k, v in env.items() if k != "ES_JAVA_OPTS"},  # not the node's heap
                capture_output=True,
                timeout=120,
                check=False,
            )
            if done.returncode != 0:
                raise ElasticsearchNodeError(
                    f"cannot write the node's keystore: {done.stdout}{done.stderr}",
                    where=str(conf),
                )
        return {
            "xpack.security.enabled": "true",
            "xpack.security.http.ssl.enabled": "true",
            "xpack.security.http.ssl.certificate": "certs/http.crt",
            "xpack.security.http.ssl.key": "certs/http.key",
        }

    def _prepare(self, es_home: Path, port: int) -> tuple[list[str], dict[str, str]]:
        conf = self.node_dir / "config"
        if not conf.exists():
            shutil.copytree(es_home / "config", conf)
        for sub in ("data", "logs", "tmp"):
            (self.node_dir / sub).mkdir(parents=True, exist_ok=True)
        self.snapshots_dir.mkdir(parents=True, exist_ok=True)
        java_home = find_java_home(self.java_home, os.environ.get("JAVA_HOME"))
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ES_JAVA_HOME": str(java_home),
            "ES_PATH_CONF": str(conf),
            "ES_TMPDIR": str(self.node_dir / "tmp"),
            "ES_JAVA_OPTS": f"-Xms{self.heap} -Xmx{self.heap}",
            "HOME": str(self.node_dir),
        }
        security = self._secure(es_home, conf, env)
        settings = {
            "cluster.name": "secops",
            "node.name": "secops-managed",
            "discovery.type": "single-node",
            "network.host": "127.0.0.1",
            "http.port": str(port),
            "path.data": str(self.node_dir / "data"),
            "path.logs": str(self.node_dir / "logs"),
            "path.repo": str(self.snapshots_dir),
            **security,
            # Shared machines run fuller than a server: keep working down to the last GiB.
            "cluster.routing.allocation.disk.watermark.low": "2gb",
            "cluster.routing.allocation.disk.watermark.high": "1gb",
            "cluster.routing.allocation.disk.watermark.flood_stage": "500mb",
            **self.extra_settings,
        }
        cmd = [str(es_home / "bin" / "elasticsearch")]
        for key, value in settings.items():
            cmd += ["-E", f"{key}={value}"]
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
            for top in (self.node_dir, self.snapshots_dir):
                for root, dirs, files in os.walk(top):
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
        last_error = ""
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise ElasticsearchNodeError(
                    f"Elasticsearch exited with code {self._proc.returncode} during start:\n"
                    + self._console_tail(),
                    where=str(self.node_dir / "logs" / "console.log"),
                )
            try:
                health = self._health(info, "?wait_for_status=yellow&timeout=1s", timeout=3.0)
                if health.get("status") in ("yellow", "green"):
                    return
            except (urllib.error.URLError, OSError, ValueError) as exc:
                last_error = str(exc)
            time.sleep(0.25)
        raise ElasticsearchNodeError(
            f"Elasticsearch did not become ready within {timeout:.0f}s ({last_error}):\n"
            + self._console_tail(),
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
