"""Per-rule overrides of ``level`` and ``status``, from a deployment's YAML file.

A deployment makes a rule louder or quieter without editing its file (SigmaHQ's
rules stay as published). The file (setting ``rule_overrides_file``) maps a
rule's id or name to the values it takes instead of its own::

    5b0c1f1e-1111-4111-8111-111111111111:
      level: critical
      reason: Deletions in the DMS are rare here
    proc_creation_win_whoami_execution:
      level: low
      status: test

The rule keeps its original values beside the new ones (``RuleMeta.overridden``).
An unknown rule, an unknown key, a level or status outside Sigma's, or a rule
named twice is an error with the file and the line; the other entries apply.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from secops import yaml_limits
from secops.definitions import Severity
from secops.detect.models import RuleMeta
from secops.detect.ruleset import RuleSet
from secops.errors import RuleError

Status = Literal["stable", "test", "experimental", "deprecated", "unsupported"]


class RuleOverride(BaseModel):
    """What one entry of the overrides file may set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    level: Severity | None = None
    status: Status | None = None
    reason: str | None = Field(None, max_length=2000)


@dataclass(frozen=True)
class OverrideEntry:
    rule: str  # the rule's id or name, as written
    override: RuleOverride
    path: str
    line: int


def read_overrides(path: Path) -> tuple[list[OverrideEntry], list[RuleError]]:
    """The entries of an overrides file, and what is wrong with the others."""
    where = str(path)
    try:
        root = yaml_limits.compose(yaml_limits.read_text(path))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return [], [RuleError(f"invalid YAML: {exc}", path=where, line=line)]
    except (OSError, UnicodeDecodeError) as exc:
        return [], [RuleError(f"cannot read the overrides file: {exc}", path=where, line=1)]
    if root is None:
        return [], []
    if not isinstance(root, yaml.MappingNode):
        return [], [
            RuleError("the overrides file maps rule ids or names to values", path=where, line=1)
        ]
    entries: list[OverrideEntry] = []
    errors: list[RuleError] = []
    seen: set[str] = set()
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        rule = str(key_node.value)
        if rule in seen:
            errors.append(RuleError(f"rule {rule!r} is overridden twice", path=where, line=line))
            continue
        seen.add(rule)
        try:
            data = yaml_limits.load(yaml.serialize(value_node))
            override = RuleOverride.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = str(err["loc"][0]) if err["loc"] else ""
            errors.append(
                RuleError(
                    f"override of rule {rule!r}: {field}: {err['msg']}".replace(": : ", ": "),
                    path=where,
                    line=_field_line(value_node, field) or line,
                )
            )
            continue
        if override.level is None and override.status is None:
            errors.append(
                RuleError(
                    f"override of rule {rule!r} sets neither level nor status",
                    path=where,
                    line=line,
                )
            )
            continue
        entries.append(OverrideEntry(rule=rule, override=override, path=where, line=line))
    return entries, errors


def _field_line(node: yaml.Node, field: str) -> int | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if key_node.value == field:
                return int(key_node.start_mark.line) + 1
    return None


def apply_overrides(
    metas: Sequence[RuleMeta],
    entries: Sequence[OverrideEntry],
    *,
    correlations: Sequence[str] = (),
) -> tuple[dict[int, RuleMeta], list[RuleError]]:
    """The metas that change (by position) and the entries naming no rule.

    ``correlations`` are the ids and names of correlation rules, which overrides
    do not reach: naming one says so rather than "unknown rule".
    """
    index: dict[str, int] = {}
    for pos, meta in enumerate(metas):
        index[meta.id] = pos
        if meta.name:
            index.setdefault(meta.name, pos)
    changed: dict[int, RuleMeta] = {}
    errors: list[RuleError] = []
    for entry in entries:
        found = index.get(entry.rule)
        if found is None:
            what = (
                "is a correlation rule; overrides apply to detection rules"
                if entry.rule in correlations
                else "is not loaded"
            )
            message = f"override names rule {entry.rule!r}, which {what}"
            errors.append(RuleError(message, path=entry.path, line=entry.line))
            continue
        meta = changed.get(found, metas[found])
        update: dict[str, object] = {}
        original = dict(meta.overridden)
        for name in ("level", "status"):
            value = getattr(entry.override, name)
            if value is not None and value != getattr(meta, name):
                original.setdefault(name, getattr(meta, name))
                update[name] = value
        if update:
            changed[found] = meta.model_copy(update={**update, "overridden": original})
    return changed, errors


def override_rules(ruleset: RuleSet, path: Path) -> list[RuleError]:
    """Apply the overrides file to the rule set's rules (in place); the errors found."""
    entries, errors = read_overrides(path)
    names = [str(c.id) for c in ruleset.correlations if c.id]
    names += [c.name for c in ruleset.correlations if c.name]
    changed, more = apply_overrides([r.meta for r in ruleset.rules], entries, correlations=names)
    for pos, meta in changed.items():
        ruleset.rules[pos] = dataclasses.replace(ruleset.rules[pos], meta=meta)
    return errors + more
