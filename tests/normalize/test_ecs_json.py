"""ECS pass-through and iter_json_objects."""

from __future__ import annotations

import pytest

from secops.errors import NormalizeError
from secops.normalize import iter_json_objects, normalize

from .records import record


def test_ecs_object_passes_through_with_dotted_keys_expanded() -> None:
    line = (
        '{"@timestamp": "2025-01-01T01:00:00+01:00", "event.action": "x", '
        '"event": {"dataset": "vpn.log", "category": "network", "ingested": "z"}, '
        '"source": {"ip": "1.2.3.4"}, "user.name": "bob"}'
    )
    ev = normalize(record(line))
    assert ev["@timestamp"] == "2025-01-01T00:00:00.000Z"
    assert ev["event"]["dataset"] == "vpn.log"
    assert ev["event"]["action"] == "x"
    assert ev["event"]["category"] == ["network"]
    assert "ingested" not in ev["event"]
    assert ev["event"]["original"] == line
    assert ev["user"]["name"] == "bob"
    assert ev["source"]["ip"] == "1.2.3.4"
    assert ev["secops"]["source"]["input"] == "file"


def test_ecs_without_dataset_and_secops_cannot_be_overridden() -> None:
    obj = {"@timestamp": 1735689600000, "message": "hi", "secops": {"source": {"input": "x"}}}
    ev = normalize(record(structured=obj, input_="http"))
    assert ev["event"]["dataset"] == "ecs"
    assert ev["@timestamp"] == "2025-01-01T00:00:00.000Z"
    assert ev["secops"]["source"]["input"] == "http"
    assert ev["message"] == "hi"


def test_other_json_is_unparsed() -> None:
    ev = normalize(record('{"@timestamp": "2025-01-01T00:00:00Z", "foo": 1}'))
    assert ev["event"]["dataset"] == "unparsed"


def test_iter_json_objects_reads_consecutive_objects() -> None:
    text = '{"a": 1}\n{\n  "b": {"c": [1, 2]}\n}  {"d": "}"}\n\n'
    assert list(iter_json_objects(text)) == [{"a": 1}, {"b": {"c": [1, 2]}}, {"d": "}"}]
    assert list(iter_json_objects("  \n")) == []


def test_iter_json_objects_errors_name_the_offset() -> None:
    with pytest.raises(NormalizeError, match="offset 15"):
        list(iter_json_objects('{"a": 1} {"b": }', where="f.json"))
    with pytest.raises(NormalizeError, match="expected a JSON object"):
        list(iter_json_objects("[1, 2]"))
