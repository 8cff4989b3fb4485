"""The distribution is accepted only when its digest matches; JDK discovery finds 21+."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from secops.errors import ElasticsearchNodeError
from secops.es import distribution
from secops.es.java import MIN_JAVA, find_java_home, java_major


def test_tampered_archive_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "elasticsearch-9.9.9.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("elasticsearch-9.9.9/bin/elasticsearch", "#!/bin/sh\n")
    monkeypatch.setitem(distribution.PINNED_SHA256, "9.9.9", "0" * 64)
    monkeypatch.setattr(distribution, "_published_checksum", lambda url: None)
    with pytest.raises(ElasticsearchNodeError, match="SHA-256 mismatch"):
        distribution.ensure_distribution("9.9.9", tmp_path)
    assert not archive.exists(), "a tampered archive must not stay in the cache"


def test_unpinned_version_without_published_checksum_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "x.zip"
    archive.write_bytes(b"anything")
    monkeypatch.setattr(distribution, "_published_checksum", lambda url: None)
    with pytest.raises(ElasticsearchNodeError, match="no pinned digest"):
        distribution.verify(archive, "0.0.1", "https://example.invalid/x.zip")


def test_matching_archive_is_unpacked_with_executable_scripts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "elasticsearch-9.9.8.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("elasticsearch-9.9.8/bin/elasticsearch")
        info.external_attr = 0o755 << 16
        zf.writestr(info, "#!/bin/sh\n")
    digest = distribution._digest(archive, "sha256")
    monkeypatch.setitem(distribution.PINNED_SHA256, "9.9.8", digest)
    monkeypatch.setattr(distribution, "_published_checksum", lambda url: None)
    home = distribution.ensure_distribution("9.9.8", tmp_path)
    script = home / "bin" / "elasticsearch"
    assert script.read_text() == "#!/bin/sh\n"
    assert script.stat().st_mode & 0o111


def test_a_jdk_of_at_least_21_is_found() -> None:
    home = find_java_home()
    major = java_major(home)
    assert major is not None
    assert major >= MIN_JAVA


def test_configured_old_jdk_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ElasticsearchNodeError, match="not a JDK"):
        find_java_home(configured=tmp_path)
