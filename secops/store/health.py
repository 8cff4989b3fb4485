"""What the cluster says about itself, for /health and `secops es status`."""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch
from elasticsearch import TransportError as ESTransportError


def cluster_health(es: Elasticsearch) -> dict[str, Any]:
    """Status and version; ``status`` is ``unreachable`` when the cluster does not answer."""
    try:
        health = es.cluster.health()
        nodes = es.nodes.info(node_id="_local", filter_path="nodes.*.version")
    except (ESTransportError, OSError) as exc:
        return {"status": "unreachable", "error": type(exc).__name__}
    except Exception as exc:  # an ApiError: the cluster answered, but not as hoped
        return {"status": "error", "error": str(exc)[:200]}
    versions = sorted({n["version"] for n in nodes.get("nodes", {}).values()})
    return {
        "status": health["status"],
        "cluster_name": health["cluster_name"],
        "number_of_nodes": health["number_of_nodes"],
        "version": versions[0] if len(versions) == 1 else versions,
    }
