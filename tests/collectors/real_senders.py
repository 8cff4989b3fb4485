"""Real syslog senders (rsyslog, syslog-ng) and secops' receiving process, for the tests.

Each sender runs as an ordinary process with a configuration the test wrote, reads
the lines of a file and forwards them; no system service is touched. syslog-ng
conflicts with rsyslog in Debian, so its package is unpacked into a cache
(``.ci/run`` and :func:`syslog_ng_binary` look for it there).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch
from elasticsearch.helpers import scan
from polling import wait_until

REPO = Path(__file__).resolve().parents[2]
RECEIVER = Path(__file__).with_name("receiver_process.py")
SYSLOG_NG_ROOT = REPO / ".cache" / "syslog-ng" / "root"
TEHRAN = timezone(timedelta(hours=3, minutes=30))
START = datetime(2026, 3, 10, 9, 15, 0, tzinfo=TEHRAN)
HOSTS = [f"dms-{i:02d}" for i in range(7)]
PROGRAMS = ["dms-web", "evote", "portal-api"]


@dataclass(frozen=True)
class Line:
    """One line of the input file, and what the store must say of it."""

    text: str
    host: str
    program: str
    time: datetime
    body: str


def write_lines(path: Path, n: int) -> list[Line]:
    """``n`` RFC 5424 lines of distinct hosts, programs and times (+03:30, microseconds)."""
    lines = make_lines(n)
    append_lines(path, lines)
    return lines


def append_lines(path: Path, lines: list[Line]) -> None:
    """Add ``lines`` to the file the sender reads (created readable by the sender)."""
    with path.open("a") as f:
        f.write("".join(f"{line.text}\n" for line in lines))
    os.chmod(path, 0o644)


def write_whole(path: Path, lines: list[Line], scratch: Path) -> None:
    """Write ``lines`` to ``path`` so that it appears complete (written aside, renamed)."""
    aside = scratch / f".{path.name}.part"
    append_lines(aside, lines)
    aside.replace(path)


def make_lines(n: int) -> list[Line]:
    lines = []
    for i in range(n):
        host, program = HOSTS[i % len(HOSTS)], PROGRAMS[i % len(PROGRAMS)]
        at = START + timedelta(seconds=i, microseconds=i % 1000 * 1000 + 123)
        body = f"record {i:06d} from {host} says hello"
        stamp = at.isoformat(timespec="microseconds")
        text = f"<134>1 {stamp} {host} {program} {1000 + i} - - {body}"
        lines.append(Line(text, host, program, at, body))
    return lines


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SecopsProcess:
    """``receiver_process.py`` with the given settings; start again after a kill."""

    def __init__(self, env: Mapping[str, str], log: Path) -> None:
        self.env = dict(env)
        self.log = log
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        with self.log.open("a") as err:
            self.proc = subprocess.Popen(
                [sys.executable, str(RECEIVER)],
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                cwd=REPO,
                env=self.env,
            )
        assert self.proc.stdout is not None
        ready = self.proc.stdout.readline().strip()
        assert ready == "ready", self.log.read_text()[-3000:]

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self._close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(120)
        self._close()

    def _close(self) -> None:
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc = None


class Sender:
    """A running sender process and its log."""

    def __init__(self, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.proc = proc
        self.log = log

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise AssertionError(f"the sender exited: {self.log_tail()}")

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


UNPRIVILEGED = "nobody"  # the user senders run as when the tests run as root


def sender_workdir(pki: Mapping[str, Path], names: tuple[str, ...]) -> Path:
    """A directory of the sender's own holding copies of the ``pki`` files it needs.

    When the tests run as root, the directory is handed to an unprivileged user, who
    runs the sender (pytest's own temporary directories are closed to other users).
    """
    work = Path(tempfile.mkdtemp(prefix="secops-sender-"))
    for name in names:
        shutil.copyfile(pki[name], work / pki[name].name)
    if os.geteuid() == 0:
        user = pwd.getpwnam(UNPRIVILEGED)
        for path in [work, *work.iterdir()]:
            os.chown(path, user.pw_uid, user.pw_gid)
    return work


def _unprivileged() -> dict[str, Any]:
    """Popen arguments that drop root for the sender (none when not root)."""
    if os.geteuid() != 0:
        return {}
    user = pwd.getpwnam(UNPRIVILEGED)
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


@contextmanager
def running(
    argv: list[str], *, log: Path, env: Mapping[str, str] | None = None
) -> Iterator[Sender]:
    """A sender process for the duration of the block, stopped with SIGTERM after it."""
    with log.open("w") as out:
        proc = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=log.parent, **_unprivileged()
        )
    try:
        yield Sender(proc, log)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def rsyslog_argv(config: Path, work: Path) -> list[str]:
    binary = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
    return [binary, "-n", "-f", str(config), "-i", str(work / "rsyslogd.pid")]


def rsyslog_present() -> bool:
    return Path(shutil.which("rsyslogd") or "/usr/sbin/rsyslogd").exists()


def rsyslog_module_present(name: str) -> bool:
    return any(Path(d, f"{name}.so").exists() for d in _rsyslog_module_dirs())


def _rsyslog_module_dirs() -> list[Path]:
    return [Path("/usr/lib/x86_64-linux-gnu/rsyslog"), Path("/usr/lib/rsyslog")]


def syslog_ng_binary() -> Path | None:
    """syslog-ng from PATH, else the copy unpacked into the cache by ``.ci/run``."""
    found = shutil.which("syslog-ng")
    if found:
        return Path(found)
    cached = SYSLOG_NG_ROOT / "usr" / "sbin" / "syslog-ng"
    return cached if cached.exists() else None


def syslog_ng_argv(config: Path, work: Path) -> tuple[list[str], dict[str, str]]:
    binary = syslog_ng_binary()
    assert binary is not None
    env = dict(os.environ)
    argv = [str(binary), "-F", "-f", str(config), "-R", str(work / "persist")]
    argv += ["-p", str(work / "syslog-ng.pid"), "-c", str(work / "syslog-ng.ctl")]
    if binary.is_relative_to(SYSLOG_NG_ROOT):
        lib = SYSLOG_NG_ROOT / "usr" / "lib" / "syslog-ng"
        modules = sorted(lib.glob("3.*"))
        argv += ["--module-path", str(modules[-1])]
        env["LD_LIBRARY_PATH"] = str(lib)
    return argv, env


def stored_events(es: Elasticsearch, pattern: str) -> list[dict[str, Any]]:
    es.indices.refresh(index=pattern, allow_no_indices=True)
    fields = ["event.original", "host.name", "process.name", "@timestamp", "message", "source"]
    hits = scan(es, index=pattern, query={"query": {"match_all": {}}}, _source=fields)
    return [h["_source"] for h in hits]


def wait_stored(
    es: Elasticsearch,
    pattern: str,
    n: int,
    sender: Sender,
    *,
    timeout: float = 300.0,
    settled: Callable[[int], bool] | None = None,
) -> None:
    """Wait for ``n`` events, or (given ``settled``) until it says the count is final."""

    def count() -> bool:
        sender.check_alive()
        es.indices.refresh(index=pattern, allow_no_indices=True)
        found = int(es.count(index=pattern, allow_no_indices=True)["count"])
        return found >= n or (settled is not None and settled(found))

    try:
        wait_until(count, timeout=timeout, interval=0.5, what=f"{n} events stored")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the sender's log ends: {sender.log_tail()}") from None


def check_exactly_once(events: list[dict[str, Any]], lines: list[Line]) -> list[str]:
    """What is wrong with ``events`` as the store of ``lines`` (an empty list: nothing)."""
    problems: list[str] = []
    by_body: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_body.setdefault(event.get("message", ""), []).append(event)
    for line in lines:
        found = by_body.get(line.body, [])
        if len(found) != 1:
            problems.append(f"{line.body!r} stored {len(found)} times")
            continue
        event = found[0]
        at = datetime.fromisoformat(event["@timestamp"].replace("Z", "+00:00"))
        wanted = line.time.astimezone(UTC).replace(microsecond=line.time.microsecond // 1000 * 1000)
        got = {
            "host": event.get("host", {}).get("name"),
            "program": event.get("process", {}).get("name"),
            "time": at,
        }
        if got != {"host": line.host, "program": line.program, "time": wanted}:
            problems.append(f"{line.body!r} stored as {got}")
    extra = len(events) - len(lines)
    if extra > 0:
        problems.append(f"{extra} events more than lines sent")
    return problems
