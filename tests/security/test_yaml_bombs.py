"""YAML bombs, deep nesting and oversized files in every YAML secops reads.

Aliases of aliases expand a few hundred bytes into hundreds of thousands of nodes
(here 9⁶ = 531,441; a real attack adds levels until the server hangs), and a few
thousand ``[`` exhaust Python's recursion. Each reader refuses them with a clear
error naming the file and the line; the API answers the rule text with its error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from auth.support import principal
from fastapi.testclient import TestClient

from secops import yaml_limits
from secops.compliance.indicators import load_targets
from secops.compliance.register import load_register
from secops.context import Context
from secops.detect.loader import load_rules
from secops.detect.mapping import FieldMapping
from secops.detect.overrides import read_overrides
from secops.errors import ConfigError, RuleError


def bomb(key: str = "b", levels: int = 6) -> str:
    """A mapping whose ``key`` is an alias expanding to 9**levels strings."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    lines.append(f"{key}: *l{levels - 1}")
    return "\n".join(lines) + "\n"


DEEP = "title: deep\nnested: " + "[" * 5000 + "]" * 5000 + "\n"


def test_the_bounded_loader_refuses_bombs_and_depth_with_a_line() -> None:
    with pytest.raises(yaml_limits.YamlLimitError, match="expands to more than") as caught:
        yaml_limits.load(bomb())
    assert caught.value.problem_mark is not None
    assert caught.value.problem_mark.line == 5  # 0-based: the sixth line, l5
    with pytest.raises(yaml_limits.YamlLimitError, match="nesting deeper than"):
        yaml_limits.load(DEEP)
    # Anchors that stay small are ordinary YAML.
    assert yaml_limits.load("a: &x [1, 2]\nb: *x\n") == {"a": [1, 2], "b": [1, 2]}


def test_an_oversized_yaml_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yml"
    path.write_text("a: " + "x" * (yaml_limits.MAX_BYTES + 1) + "\n")
    with pytest.raises(yaml.YAMLError, match="at most"):
        yaml_limits.read_text(path)


@pytest.mark.parametrize(("text", "says"), [(bomb("detection"), "expands"), (DEEP, "nesting")])
def test_a_rule_or_filter_file_bomb_is_a_load_error_with_its_line(
    tmp_path: Path, text: str, says: str
) -> None:
    (tmp_path / "bomb.yml").write_text(text)
    ruleset = load_rules([tmp_path], collect_errors=True)
    [error] = ruleset.errors
    assert says in error.message
    assert error.path == str(tmp_path / "bomb.yml")
    assert error.line is not None
    assert error.line > 1


@pytest.mark.parametrize(("text", "says"), [(bomb("rule-x"), "expands"), (DEEP, "nesting")])
def test_an_overrides_file_bomb_is_an_error_with_its_line(
    tmp_path: Path, text: str, says: str
) -> None:
    path = tmp_path / "overrides.yml"
    path.write_text(text)
    entries, errors = read_overrides(path)
    assert entries == []
    [error] = errors
    assert says in error.message
    assert error.line is not None
    assert error.line > 1


@pytest.mark.parametrize("text", [bomb("systems"), DEEP])
def test_a_register_of_sources_bomb_is_a_config_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "sources.yml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="line") as caught:
        load_register(path)
    assert caught.value.where == str(path)


@pytest.mark.parametrize("text", [bomb("alert_triage_hours"), DEEP])
def test_a_report_targets_bomb_is_a_config_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "targets.yml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="line") as caught:
        load_targets(path)
    assert caught.value.where == str(path)


def test_a_posted_rule_text_bomb_is_answered_with_its_error(
    ctx: Context, client: TestClient
) -> None:
    headers = principal(ctx, "val", "soc_operator")
    text = bomb("detection").replace("detection:", "filter: {rules: *l5}\ndetection:")
    for body, says in ((text, "expands"), (DEEP, "nesting")):
        answer = client.post(
            "/api/v1/rules/validate",
            content=body,
            headers={**headers, "Content-Type": "application/yaml"},
        )
        assert answer.status_code == 200, answer.text
        out = answer.json()
        assert out["ok"] is False
        assert any(says in e["reason"] and e["line"] > 1 for e in out["errors"]), out["errors"]


def test_a_field_mapping_file_nested_too_deep_is_a_rule_error(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yml"
    path.write_text(DEEP)
    with pytest.raises(RuleError, match="nesting") as caught:
        FieldMapping.load(path)
    assert caught.value.path == str(path)
