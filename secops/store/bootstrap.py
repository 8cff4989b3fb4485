"""Apply the versioned index templates of ``mappings/`` idempotently at start-up.

Each JSON file there is one cluster-wide composable index template plus a few keys of ours:
``kind`` (``data_stream`` or ``index``), ``version`` and, for a regular index,
``name``. ``{namespace}`` and ``{retention_days}`` are filled in from the settings.
A template whose recorded version and parameters already match is left alone;
a regular index is created when missing and gets any new fields of a newer
version (mappings only grow).
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from elasticsearch import ApiError, Elasticsearch

from secops.errors import StoreError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MappingSpec:
    name: str  # file stem: events, alerts, audit, ...
    kind: str
    version: int
    body: dict[str, Any]  # the index template, rendered
    index: str | None  # the regular index it creates, if kind == "index"


@dataclass
class BootstrapReport:
    applied: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    indices_created: list[str] = field(default_factory=list)


def load_specs(*, namespace: str, retention_days: int) -> list[MappingSpec]:
    """Every mapping file: its cluster-wide template, and the index of ``namespace``.

    Templates match every namespace (``{namespace}`` becomes ``*`` in their
    patterns), so a new namespace costs no template update, only its indices.
    """
    specs = []
    folder = resources.files("secops.store") / "mappings"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        text = entry.read_text().replace("{namespace}", "*")
        text = text.replace("{retention_days}", str(retention_days))
        raw = json.loads(text)
        stem = entry.name.removesuffix(".json")
        kind = raw.pop("kind")
        version = int(raw.pop("version"))
        index_name = raw.pop("name", None)
        raw.pop("_comment", None)
        raw["_meta"] = {
            "managed_by": "secops",
            "version": version,
            "retention_days": retention_days,
        }
        if kind == "data_stream":
            index = None
        else:
            raw["template"].pop("lifecycle", None)
            index = f"secops-{namespace}-{index_name}"
        specs.append(MappingSpec(name=stem, kind=kind, version=version, body=raw, index=index))
    return specs


def template_name(spec: MappingSpec) -> str:
    return f"secops-{spec.name}"


def _current_meta(es: Elasticsearch, template: str) -> dict[str, Any] | None:
    try:
        resp = es.indices.get_index_template(name=template)
    except ApiError as exc:
        if exc.meta.status == 404:
            return None
        raise
    templates = resp.get("index_templates", [])
    return dict(templates[0]["index_template"].get("_meta") or {}) if templates else None


@dataclass(frozen=True)
class AppliedRetention:
    template: str  # the events template looked at (the last one tried when none is applied)
    days: int | None  # its ``_meta.retention_days``; None when no events template is applied


def applied_retention(es: Elasticsearch, *, namespace: str) -> AppliedRetention:
    """The events retention the cluster holds in its template.

    The events template is cluster-wide (``secops-events``); older deployments kept
    one per namespace, which wins where it is still there.
    """
    for template in (f"secops-{namespace}-events", "secops-events"):
        meta = _current_meta(es, template)
        if meta is not None:
            return AppliedRetention(template=template, days=meta.get("retention_days"))
    return AppliedRetention(template=template, days=None)


def bootstrap(es: Elasticsearch, *, namespace: str, retention_days: int) -> BootstrapReport:
    """Make the cluster hold secops' templates, and the indices of ``namespace``."""
    report = BootstrapReport()
    specs = load_specs(namespace=namespace, retention_days=retention_days)
    for spec in specs:
        template = template_name(spec)
        try:
            if _current_meta(es, template) == spec.body["_meta"]:
                report.unchanged.append(template)
            else:
                es.indices.put_index_template(name=template, **spec.body)
                report.applied.append(template)
        except ApiError as exc:
            raise StoreError(f"cannot apply template: {exc}", where=template) from exc
    _ensure_indices(es, namespace, [s for s in specs if s.index is not None], report)
    return report


def _ensure_indices(
    es: Elasticsearch, namespace: str, specs: list[MappingSpec], report: BootstrapReport
) -> None:
    existing = set(
        es.indices.get(index=f"secops-{namespace}-*", expand_wildcards="all", allow_no_indices=True)
    )
    missing = [s for s in specs if s.index not in existing]
    for spec in specs:
        if spec.index in existing:
            # Mappings only grow between versions: add new fields to the live index.
            mappings = spec.body["template"].get("mappings", {})
            es.indices.put_mapping(index=spec.index, properties=mappings.get("properties", {}))
    # Created side by side: the master batches concurrent creations into few updates.
    with ThreadPoolExecutor(max_workers=min(8, len(missing) or 1)) as pool:
        for created in pool.map(lambda spec: _create(es, spec), missing):
            if created is not None:
                report.indices_created.append(created)


def _create(es: Elasticsearch, spec: MappingSpec) -> str | None:
    assert spec.index is not None
    try:
        # The index names its own mappings too: the cluster-wide template may be another
        # version's for a moment when deployments of two versions share the cluster.
        es.indices.create(index=spec.index, mappings=spec.body["template"].get("mappings"))
    except ApiError as exc:
        if "resource_already_exists" in str(exc):
            return None
        raise StoreError(f"cannot create index: {exc}", where=spec.index) from exc
    return spec.index
