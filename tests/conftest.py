"""Shared fixtures: one real Elasticsearch node per test session, a namespace per test.

The node is the managed node of ``secops es start`` (same code), in a temporary
directory, on a free port. ``SECOPS_TEST_ES_URL`` points the suite at a node that
is already running instead (a developer's own), which the suite then leaves alone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from es_node import cache_dir, es_version

from secops.es.node import ManagedNode
from secops.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def es_url() -> Iterator[str]:
    """URL of the session's Elasticsearch node."""
    external = os.environ.get("SECOPS_TEST_ES_URL")
    if external:
        yield external
        return
    node_dir = Path(tempfile.mkdtemp(prefix="secops-test-es-"))
    node_dir.chmod(0o755)  # the node runs as an unprivileged user when we are root
    # Every test bootstraps a namespace of its own: allow more shards than a server would.
    node = ManagedNode(
        node_dir=node_dir,
        cache_dir=cache_dir(),
        version=es_version(),
        extra_settings={"cluster.max_shards_per_node": "30000"},
    )
    try:
        info = node.start()
        yield info.url
    finally:
        node.stop()
        shutil.rmtree(node_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def es(es_url: str) -> Iterator[Elasticsearch]:
    client = Elasticsearch(es_url, request_timeout=60)
    yield client
    client.close()


@pytest.fixture
def namespace() -> str:
    """A namespace of this test's own: its indices and data streams are its alone."""
    return "t" + uuid.uuid4().hex[:12]


@pytest.fixture
def settings(es_url: str, namespace: str, tmp_path: Path) -> Iterator[Settings]:
    """Settings of a development instance bound to the session's node and the test's namespace.

    At the end the namespace's own indices are dropped, so the node's cluster state
    stays small across the suite (this distribution cannot delete data streams;
    those stay). Templates are cluster-wide and stay.
    """
    yield Settings(
        dev_mode=True,
        namespace=namespace,
        es_url=es_url,
        state_dir=tmp_path / "state",
        cache_dir=cache_dir(),
    )
    drop_namespace(es_url, namespace)


def drop_namespace(es_url: str, namespace: str) -> None:
    with Elasticsearch(es_url, request_timeout=60) as client:
        pattern = f"secops-{namespace}-*"
        found = client.indices.get(index=pattern, expand_wildcards="all", allow_no_indices=True)
        if found:
            client.indices.delete(index=",".join(found))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Any test that needs the node is an integration test, whatever its folder.
    for item in items:
        if "es_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.integration)
