"""secops' own account on the managed node, with only the privileges secops uses.

Cluster: ``monitor`` (health, node versions), ``manage_index_templates`` (the
versioned templates of ``secops/store/mappings``), and the archive's snapshot
actions: ``create_snapshot`` (take and read snapshots), registering its repository
and restoring from it (no snapshot deletion: the archive is kept). Indices: read, write and manage
secops' own indices (``secops-*``) and event data streams (``logs-secops.*``), and
nothing else: no other index, no security administration, no cluster settings.

The account lives in the node's file realm (``users``, ``users_roles``,
``roles.yml`` of its config directory), not in an API key: API keys and native
users are stored in the ``.security`` index, whose mappings need the
``analysis-common`` module that the Maven Central distribution does not ship.
``docker-compose.yml`` runs the full image and gives secops an API key with the
same role (its ``es-init`` service).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from typing import Any

SECOPS_USER = "secops"
INDEX_PATTERNS = ("secops-*", "logs-secops.*")

SECOPS_ROLE: dict[str, Any] = {
    "cluster": [
        "monitor",
        "manage_index_templates",
        "create_snapshot",
        "cluster:admin/repository/put",
        "cluster:admin/snapshot/restore",
    ],
    "indices": [{"names": list(INDEX_PATTERNS), "privileges": ["read", "write", "manage"]}],
}

_PBKDF2_COST = 10_000


def pbkdf2_hash(password: str, *, cost: int = _PBKDF2_COST) -> str:
    """``password`` hashed the way Elasticsearch's ``pbkdf2`` hasher writes it."""
    salt = secrets.token_bytes(32)
    key = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, cost, dklen=32)
    return f"{{PBKDF2}}{cost}${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


def file_realm(password: str) -> dict[str, bytes]:
    """The node's config files that define secops' account and role."""
    return {
        "users": f"{SECOPS_USER}:{pbkdf2_hash(password)}\n".encode(),
        "users_roles": f"{SECOPS_USER}:{SECOPS_USER}\n".encode(),
        # JSON is YAML: the role exactly as the security API would take it.
        "roles.yml": (json.dumps({SECOPS_USER: SECOPS_ROLE}, indent=2) + "\n").encode(),
    }
