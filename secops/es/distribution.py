"""Obtain the Elasticsearch distribution that Elasticsearch publishes on Maven Central.

The artifact is ``org.elasticsearch.distribution.integ-test-zip:elasticsearch``, a
zip of the server with the modules the node needs for secops. It is downloaded
once into the cache directory, checked against a pinned SHA-256 digest (and
against the repository's own checksum file when the repository serves one), and
unpacked beside it; later starts reuse the unpacked tree.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from secops.errors import ElasticsearchNodeError

log = logging.getLogger(__name__)

MAVEN_CENTRAL = "https://repo1.maven.org/maven2"
GROUP_PATH = "org/elasticsearch/distribution/integ-test-zip/elasticsearch"

# SHA-256 of each version we have verified; a version not listed here is accepted
# only when the repository serves a checksum file for it.
PINNED_SHA256: dict[str, str] = {
    "9.5.4": "d9b0c28e08e499f6510b52ad66ec4bf9cdceab97cc28b3456989b8744b896934",
}

_CHECKSUM_KINDS = (("sha512", hashlib.sha512), ("sha256", hashlib.sha256), ("sha1", hashlib.sha1))


def artifact_url(version: str, repository: str = MAVEN_CENTRAL) -> str:
    return f"{repository}/{GROUP_PATH}/{version}/elasticsearch-{version}.zip"


def _fetch(url: str, dest: Path) -> None:
    with urllib.request.urlopen(url, timeout=120) as resp, dest.open("wb") as out:  # noqa: S310
        shutil.copyfileobj(resp, out, length=1 << 20)


def _published_checksum(url: str) -> tuple[str, str] | None:
    """The first checksum file the repository serves for ``url``, as (kind, hex)."""
    for kind, _ in _CHECKSUM_KINDS:
        try:
            with urllib.request.urlopen(f"{url}.{kind}", timeout=30) as resp:  # noqa: S310
                text = resp.read().decode().strip()
        except (urllib.error.URLError, OSError):
            continue
        if text:
            return kind, text.split()[0].lower()
    return None


def _digest(path: Path, algo: str) -> str:
    h = hashlib.new(algo)
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(path: Path, version: str, url: str) -> None:
    """Raise unless ``path`` matches the pinned digest or the published checksum."""
    checked = False
    pinned = PINNED_SHA256.get(version)
    if pinned is not None:
        actual = _digest(path, "sha256")
        if actual != pinned:
            raise ElasticsearchNodeError(
                f"SHA-256 mismatch: expected {pinned}, got {actual}", where=str(path)
            )
        checked = True
    published = _published_checksum(url)
    if published is not None:
        kind, expected = published
        actual = _digest(path, kind)
        if actual != expected:
            raise ElasticsearchNodeError(
                f"{kind} mismatch against {url}.{kind}: expected {expected}, got {actual}",
                where=str(path),
            )
        checked = True
    if not checked:
        raise ElasticsearchNodeError(
            f"no pinned digest for Elasticsearch {version} and the repository serves "
            "no checksum file; add its SHA-256 to PINNED_SHA256 after checking it",
            where=url,
        )


def ensure_distribution(version: str, cache_dir: Path) -> Path:
    """Return the unpacked ``elasticsearch-<version>`` directory, fetching it if needed."""
    home = cache_dir / f"elasticsearch-{version}"
    if (home / "bin" / "elasticsearch").exists():
        return home
    cache_dir.mkdir(parents=True, exist_ok=True)
    url = artifact_url(version)
    archive = cache_dir / f"elasticsearch-{version}.zip"
    if not archive.exists():
        log.info("downloading Elasticsearch %s from %s", version, url)
        partial = archive.with_suffix(".zip.part")
        try:
            _fetch(url, partial)
        except (urllib.error.URLError, OSError) as exc:
            partial.unlink(missing_ok=True)
            raise ElasticsearchNodeError(f"download failed: {exc}", where=url) from exc
        partial.replace(archive)
    try:
        verify(archive, version, url)
    except ElasticsearchNodeError:
        archive.unlink(missing_ok=True)
        raise
    # Unpack next to the target and rename, so a crash never leaves half a tree.
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=cache_dir))
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                extracted = Path(zf.extract(info, staging))
                mode = (info.external_attr >> 16) & 0o777
                if mode:
                    os.chmod(extracted, mode | 0o444 | (0o111 if extracted.is_dir() else 0))
        (staging / f"elasticsearch-{version}").rename(home)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return home
