"""The Kibana saved objects stay importable and point at fields secops really stores."""

from __future__ import annotations

import json
from pathlib import Path

from secops.store.bootstrap import load_specs

REPO = Path(__file__).resolve().parents[1]
NDJSON = REPO / "dashboards" / "secops-kibana.ndjson"
KNOWN_TYPES = {"index-pattern", "search", "dashboard", "lens", "visualization"}


def _objects() -> list[dict]:
    return [json.loads(line) for line in NDJSON.read_text().splitlines() if line.strip()]


def _mapped_fields() -> set[str]:
    fields: set[str] = set()

    def walk(props: dict, prefix: str) -> None:
        for name, spec in props.items():
            path = f"{prefix}{name}"
            fields.add(path)
            walk(spec.get("properties", {}), f"{path}.")

    for spec in load_specs(namespace="default", retention_days=30):
        walk(spec.body["template"]["mappings"].get("properties", {}), "")
    return fields


def test_every_object_has_a_known_type_and_unique_id() -> None:
    objs = _objects()
    assert {o["type"] for o in objs} <= KNOWN_TYPES
    ids = [(o["type"], o["id"]) for o in objs]
    assert len(ids) == len(set(ids))


def test_every_reference_resolves_inside_the_file() -> None:
    objs = _objects()
    present = {(o["type"], o["id"]) for o in objs}
    for obj in objs:
        for ref in obj.get("references", []):
            assert (ref["type"], ref["id"]) in present, f"{obj['id']} -> {ref}"
        if obj["type"] == "dashboard":
            panels = json.loads(obj["attributes"]["panelsJSON"])
            names = {r["name"] for r in obj["references"]}
            assert all(p["panelRefName"] in names for p in panels)


def test_search_columns_and_sorts_exist_in_the_index_templates() -> None:
    mapped = _mapped_fields()
    # Parser-specific fields are mapped dynamically; only check those we template.
    dynamic_roots = ("parliament.",)
    for obj in _objects():
        if obj["type"] != "search":
            continue
        attrs = obj["attributes"]
        wanted = list(attrs["columns"]) + [s[0] for s in attrs["sort"]]
        for field in wanted:
            assert field in mapped or field.startswith(dynamic_roots), f"{obj['id']}: {field}"
