"""The managed Elasticsearch demands credentials, speaks only TLS, gives secops a scoped account.

Runs on the suite's own managed node; when the suite runs on a developer's node
(``SECOPS_TEST_ES_URL``), on a managed node of its own.
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import stat
import tempfile
import urllib.error
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import AuthorizationException
from es_node import NodeAccess, cache_dir, es_version

from secops.es.http import basic_auth, request_json
from secops.es.node import ManagedNode, NodeInfo

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def node(request: pytest.FixtureRequest) -> Iterator[ManagedNode]:
    suite_node: ManagedNode | None = request.getfixturevalue("managed_node")
    if suite_node is not None:
        yield suite_node
        return
    base = Path(tempfile.mkdtemp(prefix="secops-sec-es-"))
    base.chmod(0o755)  # the node runs as an unprivileged user when we are root
    own = ManagedNode(
        node_dir=base / "node", cache_dir=cache_dir(), version=es_version(), heap="512m"
    )
    try:
        own.start()
        yield own
    finally:
        own.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def info(node: ManagedNode) -> NodeInfo:
    recorded = node.recorded()
    assert recorded is not None
    return recorded


@pytest.fixture(scope="module")
def access(node: ManagedNode) -> NodeAccess:
    return NodeAccess.of_managed(node)


def _status_of(url: str, ca_file: Path, authorization: str | None = None) -> int:
    try:
        request_json(url, ca_file=ca_file, authorization=authorization)
    except urllib.error.HTTPError as exc:
        return exc.code
    return 200


def test_a_request_without_credentials_is_refused(node: ManagedNode, info: NodeInfo) -> None:
    ca = node.credentials.ca_file
    assert _status_of(f"{info.url}/", ca) == 401
    assert _status_of(f"{info.url}/secops-*/_search", ca) == 401
    assert _status_of(f"{info.url}/", ca, basic_auth("secops", "not-the-password")) == 401
    assert _status_of(f"{info.url}/", ca, basic_auth("elastic", "not-the-password")) == 401


def test_secops_account_is_accepted_and_elastic_is_the_superuser(
    access: NodeAccess, info: NodeInfo
) -> None:
    assert info.url.startswith("https://")
    with access.client() as es:
        me = es.security.authenticate()
        assert me["username"] == "secops"
        assert me["roles"] == ["secops"]
        assert es.cluster.health()["status"] in ("green", "yellow")
    admin = access.admin_client()
    assert admin is not None
    with admin:
        assert "superuser" in admin.security.authenticate()["roles"]


def test_plain_http_gets_no_answer(info: NodeInfo) -> None:
    with socket.create_connection(("127.0.0.1", info.port), timeout=10) as conn:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        try:
            answer = conn.recv(64)
        except ConnectionResetError:
            answer = b""
    assert not answer.startswith(b"HTTP/")


def test_the_node_is_trusted_only_through_its_own_ca(info: NodeInfo) -> None:
    # The system's trust store does not know the node's CA: an unverified peer is refused.
    context = ssl.create_default_context()
    with (
        socket.create_connection(("127.0.0.1", info.port), timeout=10) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        context.wrap_socket(raw, server_hostname="127.0.0.1")


def test_secops_account_cannot_leave_its_own_indices(access: NodeAccess) -> None:
    admin = access.admin_client()
    assert admin is not None
    other = f"other-{uuid.uuid4().hex[:8]}"
    own = f"secops-t{uuid.uuid4().hex[:8]}-probe"
    with admin, access.client() as es:
        admin.indices.create(index=other)
        admin.index(index=other, document={"secret": 1}, refresh=True)
        try:
            es.indices.create(index=own)  # its own pattern: allowed
            es.indices.delete(index=own)
            with pytest.raises(AuthorizationException):
                es.search(index=other)
            with pytest.raises(AuthorizationException):
                es.index(index=other, document={"x": 1})
            with pytest.raises(AuthorizationException):
                es.indices.delete(index=other)
            with pytest.raises(AuthorizationException):
                es.indices.create(index=f"users-{uuid.uuid4().hex[:8]}")
        finally:
            admin.indices.delete(index=other)


def test_secops_account_cannot_administer_security_or_the_cluster(access: NodeAccess) -> None:
    with access.client() as es:
        forbidden = {
            "list users": lambda: es.security.get_user(),
            "add a superuser": lambda: es.security.put_user(
                username="eve", password="x" * 12, roles=["superuser"]
            ),
            "read roles": lambda: es.security.get_role(),
            "change cluster settings": lambda: es.cluster.put_settings(
                persistent={"cluster.max_shards_per_node": 5000}
            ),
            "read the security index": lambda: es.search(index=".security"),
        }
        allowed = []
        for what, call in forbidden.items():
            try:
                call()
            except AuthorizationException:
                continue
            allowed.append(what)
        assert not allowed, f"secops' account may {allowed}"


def test_credentials_are_owner_only(node: ManagedNode) -> None:
    creds = node.credentials
    assert stat.S_IMODE(creds.directory.stat().st_mode) == 0o700
    files = [
        creds.elastic_password_file,
        creds.secops_password_file,
        creds.ca_file,
        creds.ca_key_file,
        node.node_dir / "config" / "certs" / "http.key",
        node.node_dir / "config" / "users",
    ]
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    if os.geteuid() == 0:
        # The node runs as its own user, which cannot enter secops' credentials directory.
        assert (node.node_dir / "data").stat().st_uid != creds.directory.stat().st_uid
