"""Shared fixtures: one real Elasticsearch node per test session, a namespace per test.

The node is the managed node of ``secops es start`` (same code, so security and TLS
on), in a temporary directory, on a free port; every fixture reaches it with secops'
own account and verifies it against the node's CA. ``SECOPS_TEST_ES_URL`` points the
suite at a node that is already running instead (a developer's own), which the suite
then leaves alone; its credentials come from ``SECOPS_TEST_ES_*`` (see ``es_node.py``).
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
from es_node import ES_ENV, NodeAccess, cache_dir, drop_namespace, es_version
from fastapi.testclient import TestClient

from api.app import create_app
from secops.context import Context, build_context
from secops.es.node import ManagedNode
from secops.settings import Settings, get_settings


@pytest.fixture(scope="session")
def managed_node() -> Iterator[ManagedNode | None]:
    """The suite's own managed node; None when ``SECOPS_TEST_ES_URL`` names another one."""
    if os.environ.get("SECOPS_TEST_ES_URL"):
        yield None
        return
    base = Path(tempfile.mkdtemp(prefix="secops-test-es-"))
    base.chmod(0o755)  # the node runs as an unprivileged user when we are root
    # Every test bootstraps a namespace of its own: allow more shards than a server would.
    node = ManagedNode(
        node_dir=base / "node",
        cache_dir=cache_dir(),
        version=es_version(),
        extra_settings={"cluster.max_shards_per_node": "30000"},
    )
    try:
        node.start()
        yield node
    finally:
        node.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def es_node(managed_node: ManagedNode | None) -> NodeAccess:
    """The session's node: URL, secops' credentials, CA, administrator."""
    if managed_node is not None:
        return NodeAccess.of_managed(managed_node)
    external = NodeAccess.from_env(os.environ)
    assert external is not None
    return external


@pytest.fixture(scope="session")
def es_url(es_node: NodeAccess) -> str:
    """URL of the session's Elasticsearch node (credentials: ``es_node``)."""
    return es_node.url


@pytest.fixture(scope="session")
def es(es_node: NodeAccess) -> Iterator[Elasticsearch]:
    """A client of the session's node with secops' own credentials."""
    client = es_node.client()
    yield client
    client.close()


@pytest.fixture
def namespace() -> str:
    """A namespace of this test's own: its indices and data streams are its alone."""
    return "t" + uuid.uuid4().hex[:12]


@pytest.fixture
def settings(es_node: NodeAccess, namespace: str, tmp_path: Path) -> Iterator[Settings]:
    """Settings of a development instance bound to the session's node and the test's namespace.

    At the end the namespace's own indices are dropped, so the node's cluster state
    stays small across the suite (this distribution cannot delete data streams;
    those stay). Templates are cluster-wide and stay.
    """
    yield Settings(
        dev_mode=True,
        namespace=namespace,
        state_dir=tmp_path / "state",
        cache_dir=cache_dir(),
        **es_node.settings_fields(),
    )
    drop_namespace(es_node, namespace)


@pytest.fixture
def ctx(settings: Settings) -> Iterator[Context]:
    """A bootstrapped context of the test's namespace (the ``settings`` fixture drops it)."""
    context = build_context(settings)
    yield context
    context.close()


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    """The app over the test's context, in process."""
    with TestClient(create_app(ctx.settings, context=ctx)) as c:
        yield c


@pytest.fixture
def cli_env(
    settings: Settings, es_node: NodeAccess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[pytest.MonkeyPatch]:
    """The CLI reads its settings from the environment: point it at the test's namespace.

    Yields the ``monkeypatch`` that set it, for settings of a test's own.
    """
    for name in ES_ENV:
        monkeypatch.delenv(name, raising=False)
    env = {
        "SECOPS_DEV_MODE": "1",
        "SECOPS_NAMESPACE": settings.namespace,
        "SECOPS_STATE_DIR": str(settings.state_dir),
        **es_node.env(),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.fixture
def cli_ctx(cli_env: pytest.MonkeyPatch) -> Iterator[Context]:
    """A context built as the CLI builds it, from that environment, with an audit signing key."""
    cli_env.setenv("SECOPS_AUDIT_SIGNING_KEY", "cli-test-audit-key")
    get_settings.cache_clear()
    context = build_context(get_settings())
    yield context
    context.close()


def pytest_configure(config: pytest.Config) -> None:
    # Hypothesis (under schemathesis) keeps caches on disk: outside the working tree.
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(tempfile.mkdtemp(prefix="secops-hypothesis-"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Any test that needs the node is an integration test, whatever its folder.
    for item in items:
        if {"es_url", "es_node", "managed_node"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """An environment of a development instance in ``tmp_path``, read anew by
    ``get_settings()``; yields the ``monkeypatch`` to set more variables with."""
    monkeypatch.setenv("SECOPS_DEV_MODE", "1")
    monkeypatch.setenv("SECOPS_STATE_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.fixture
def archive_repository(es: Elasticsearch, settings: Settings) -> str:
    """The archive's snapshot repository, registered on the session's node.

    The suite's own node sets ``path.repo`` (as every managed node does); a node of
    the developer's without it, or without the snapshot privileges of secops' role,
    cannot hold the archive, and the test is skipped saying why.
    """
    from secops.store.archive import ArchiveError, ensure_repository

    try:
        ensure_repository(es, settings.archive_repository)
    except ArchiveError as exc:
        pytest.skip(f"the node cannot hold the archive: {exc}")
    return settings.archive_repository
