"""`AlertDoc` and the alerts index mapping describe the same document.

Every field of the model is mapped with a type that holds its values, and every mapped
field is a field of the model, so neither can change without the other.
"""

from __future__ import annotations

import json
import types
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from secops.alerts.models import AlertDoc

MAPPING = Path(__file__).parents[2] / "secops" / "store" / "mappings" / "alerts.json"
OPAQUE = {"flattened"}  # an object whose keys are data, not fields
TEXT = {"keyword", "text", "ip", "date"}  # what ES reads from a JSON string
COMPATIBLE: dict[type, set[str]] = {
    str: {"keyword", "text"},
    bool: {"boolean"},
    int: {"integer", "long"},
    float: {"double", "float"},
    datetime: {"date"},
}


def _properties() -> dict[str, Any]:
    raw = json.loads(MAPPING.read_text())
    return dict(raw["template"]["mappings"]["properties"])


def _leaves(annotation: Any) -> list[Any]:
    """The types an annotation admits, without None, lists and Annotated metadata."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return [t for arg in get_args(annotation) for t in _leaves(arg)]
    if origin is list:
        return _leaves(get_args(annotation)[0])
    if annotation is type(None):
        return []
    if hasattr(annotation, "__metadata__"):  # Annotated[...]
        return _leaves(get_args(annotation)[0])
    return [annotation]


def _mismatches(model: type[BaseModel], properties: dict[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    fields = {f.alias or name: f for name, f in model.model_fields.items()}
    for name in sorted(set(properties) - set(fields)):
        problems.append(f"{where}{name}: mapped, not a field of {model.__name__}")
    for name, field in fields.items():
        mapped = properties.get(name)
        if mapped is None:
            problems.append(f"{where}{name}: a field of {model.__name__}, not mapped")
            continue
        problems += _check(field.annotation, mapped, f"{where}{name}")
    return problems


def _check(annotation: Any, mapped: dict[str, Any], where: str) -> list[str]:
    kind = mapped.get("type", "object")
    problems: list[str] = []
    for leaf in _leaves(annotation):
        if leaf is Any:
            continue  # a value lifted from an event as it came: any mapped type holds it
        if isinstance(leaf, type) and issubclass(leaf, BaseModel):
            if kind == "object" and mapped.get("enabled") is False:
                continue  # kept, not indexed
            if "properties" not in mapped:
                problems.append(f"{where}: {leaf.__name__} mapped as {kind}, not as fields")
            else:
                problems += _mismatches(leaf, mapped["properties"], f"{where}.")
            continue
        if get_origin(leaf) is dict or leaf is dict:
            if kind not in OPAQUE and not (kind == "object" and mapped.get("enabled") is False):
                problems.append(f"{where}: free-form object mapped as {kind}")
            continue
        if get_origin(leaf) is Literal or (isinstance(leaf, type) and issubclass(leaf, Enum)):
            leaf = str
        allowed = COMPATIBLE.get(leaf)
        if allowed is None:
            problems.append(f"{where}: no mapping rule for {leaf!r}")
        elif kind not in allowed:
            problems.append(f"{where}: {getattr(leaf, '__name__', leaf)} mapped as {kind}")
    return problems


def test_the_model_and_the_mapping_name_the_same_fields_with_compatible_types() -> None:
    assert _mismatches(AlertDoc, _properties(), "") == []


def test_the_check_sees_a_field_missing_on_either_side_and_a_wrong_type() -> None:
    properties = _properties()
    del properties["superseded_by"]
    properties["escalated_to"] = {"type": "keyword"}
    properties["count"] = {"type": "keyword"}
    assert _mismatches(AlertDoc, properties, "") == [
        "escalated_to: mapped, not a field of AlertDoc",
        "count: int mapped as keyword",
        "superseded_by: a field of AlertDoc, not mapped",
    ]
