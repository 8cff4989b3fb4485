"""Apply the versioned index templates of ``mappings/`` idempotently at start-up.

Each JSON file there is one composable index template plus a few keys of ours:
``kind`` (``data_stream`` or ``index``), ``version`` and, for a regular index,
``name``. ``{namespace}`` and ``{retention_days}`` are filled in from the settings.
A template whose recorded version and parameters already match is left alone;
a regular index is created when missing and gets any new fields of a newer
version (mappings only grow).
"""

from __future__ import annotations

import json
import logging
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
    """Every mapping file, rendered for one namespace."""
    specs = []
    folder = resources.files("secops.store") / "mappings"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        text = entry.read_text().replace("{namespace}", namespace)
        text = text.replace("{retention_days}", str(retention_days))
        raw = json.loads(text)
        stem = entry.name.removesuffix(".json")
        kind = raw.pop("kind")
        version = int(raw.pop("version"))
        index_name = raw.pop("name", None)
        raw.pop("_comment", None)
        raw["_meta"] = {"managed_by": "secops", "version": version, "retention_days": retention_days}
        if kind == "data_stream":
            index = None
        else:
            raw["template"].pop("lifecycle", None)
            index = f"secops-{namespace}-{index_name}"
        specs.append(MappingSpec(name=stem, kind=kind, version=version, body=raw, index=index))
    return specs


def _current_meta(es: Elasticsearch, template: str) -> dict[str, Any] | None:
    try:
        resp = es.indices.get_index_template(name=template)
    except ApiError as exc:
        if exc.meta.status == 404:
            return None
        raise
    templates = resp.get("index_templates", [])
    return dict(templates[0]["index_template"].get("_meta") or {}) if templates else None


def bootstrap(es: Elasticsearch, *, namespace: str, retention_days: int) -> BootstrapReport:
    """Make the cluster hold secops' templates and indices for ``namespace``."""
    report = BootstrapReport()
    for spec in load_specs(namespace=namespace, retention_days=retention_days):
        template = f"secops-{namespace}-{spec.name}"
        try:
            if _current_meta(es, template) == spec.body["_meta"]:
                report.unchanged.append(template)
            else:
                es.indices.put_index_template(name=template, **spec.body)
                report.applied.append(template)
            if spec.index is not None:
                _ensure_index(es, spec, report)
        except ApiError as exc:
            raise StoreError(f"cannot apply template: {exc}", where=template) from exc
    return report


def _ensure_index(es: Elasticsearch, spec: MappingSpec, report: BootstrapReport) -> None:
    assert spec.index is not None
    if es.indices.exists(index=spec.index):
        # Mappings only grow between versions: add new fields to the live index.
        mappings = spec.body["template"].get("mappings", {})
        es.indices.put_mapping(index=spec.index, properties=mappings.get("properties", {}))
        return
    try:
        es.indices.create(index=spec.index)
        report.indices_created.append(spec.index)
    except ApiError as exc:
        if "resource_already_exists" not in str(exc):
            raise
