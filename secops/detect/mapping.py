"""Logsource routing and field names, read from data files.

``mappings/logsources.yml`` says which events a rule's logsource covers;
``mappings/fields.yml`` says where a Sigma field lives in an ECS event. Both are
documented in their headers. A user mapping file of the same shape (keys
``logsources`` and/or ``fields``) extends them; its entries come after ours.

A rule applies only where its logsource is known: when no entry covers every
logsource key of a rule, :meth:`FieldMapping.routes` raises
:class:`UnsupportedLogsourceError` and the loader keeps the rule inactive. Only a
rule without any logsource key applies to every event.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from secops import yaml_limits
from secops.errors import RuleError

_DATA = Path(__file__).with_name("mappings")
_LOGSOURCE_KEYS = ("product", "category", "service")

# One alternative of a route: ECS field -> allowed values (lower-cased strings).
Condition = dict[str, frozenset[str]]


class UnsupportedLogsourceError(RuleError):
    """No mapping entry covers a rule's logsource: the rule loads but runs on no event."""


def logsource_text(logsource: Mapping[str, str]) -> str:
    """``product=zeek, service=rdp``: how reasons name a logsource."""
    return ", ".join(f"{k}={logsource[k]}" for k in _LOGSOURCE_KEYS if k in logsource)


def norm_value(value: Any) -> str:
    """The form routing compares values in: lower-cased string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).lower()


@dataclass(frozen=True)
class _LogsourceEntry:
    logsource: dict[str, str]
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class _FieldEntry:
    logsource: dict[str, str]
    default: str | None
    fields: dict[str, tuple[str, ...]]


def _fit(entry: Mapping[str, str], rule: Mapping[str, str]) -> int:
    """How many logsource keys the entry shares with the rule; -1 if it does not fit."""
    shared = 0
    for key, value in entry.items():
        if key not in rule:
            if key == "product":  # a rule without product fits any product
                continue
            return -1
        if rule[key] != value:
            return -1
        shared += 1
    return shared


def _logsource_of(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, dict) or not raw:
        raise RuleError(f"mapping entry needs a logsource mapping, got {raw!r}", path=where)
    unknown = set(raw) - set(_LOGSOURCE_KEYS)
    if unknown:
        raise RuleError(f"unknown logsource keys {sorted(unknown)}", path=where)
    return {k: str(v).lower() for k, v in raw.items()}


def _condition_of(raw: Any, where: str) -> Condition:
    if not isinstance(raw, dict) or not raw:
        raise RuleError(f"a condition is a mapping of ECS field to values, got {raw!r}", path=where)
    values = {k: v if isinstance(v, list) else [v] for k, v in raw.items()}
    return {str(k): frozenset(norm_value(x) for x in v) for k, v in values.items()}


def _paths_of(raw: Any) -> tuple[str, ...]:
    return tuple(str(p) for p in raw) if isinstance(raw, list) else (str(raw),)


class FieldMapping:
    """Routing and field resolution for rules, built from the mapping files."""

    def __init__(self, documents: Iterable[tuple[str, Mapping[str, Any]]]) -> None:
        self._logsources: list[_LogsourceEntry] = []
        self._fields: list[_FieldEntry] = []
        for where, doc in documents:
            for raw in doc.get("logsources") or []:
                conditions = tuple(_condition_of(c, where) for c in raw.get("conditions") or [])
                if not conditions:
                    raise RuleError("logsource entry without conditions", path=where)
                self._logsources.append(
                    _LogsourceEntry(_logsource_of(raw.get("logsource"), where), conditions)
                )
            for raw in doc.get("fields") or []:
                fields = {str(k): _paths_of(v) for k, v in (raw.get("fields") or {}).items()}
                default = raw.get("default")
                self._fields.append(
                    _FieldEntry(
                        _logsource_of(raw.get("logsource"), where),
                        str(default) if default else None,
                        fields,
                    )
                )

    @classmethod
    def load(cls, user_file: Path | None = None) -> FieldMapping:
        """Our mapping files, then the user's file if given."""
        docs: list[tuple[str, Mapping[str, Any]]] = []
        for path in (_DATA / "logsources.yml", _DATA / "fields.yml", user_file):
            if path is None:
                continue
            try:
                doc = yaml_limits.load(yaml_limits.read_text(Path(path))) or {}
            except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
                raise RuleError(f"cannot read mapping file: {exc}", path=str(path)) from exc
            if not isinstance(doc, dict):
                raise RuleError("a mapping file is a YAML mapping", path=str(path))
            docs.append((str(path), doc))
        return cls(docs)

    def routes(self, logsource: Mapping[str, str]) -> tuple[Condition, ...] | None:
        """Event conditions (OR-ed) a rule of this logsource applies to.

        None (every event) only for a logsource without product, category and
        service. The entries that share every key of the rule's logsource give the
        conditions; when there is none (``{product: zeek, service: rdp}``, or a
        Windows service no entry names), raises :class:`UnsupportedLogsourceError`.
        """
        rule = {k: str(v).lower() for k, v in logsource.items() if k in _LOGSOURCE_KEYS and v}
        if not rule:
            return None
        scored = [(_fit(e.logsource, rule), e) for e in self._logsources]
        covering = [e for s, e in scored if s == len(rule)]
        if not covering:
            raise UnsupportedLogsourceError(
                f"unsupported logsource: no mapping entry covers {logsource_text(rule)}"
            )
        return tuple(c for e in covering for c in e.conditions)

    def field_resolver(self, logsource: Mapping[str, str]) -> FieldResolver:
        rule = {k: str(v).lower() for k, v in logsource.items() if k in _LOGSOURCE_KEYS and v}
        fitting = [
            (s, i, e) for i, e in enumerate(self._fields) if (s := _fit(e.logsource, rule)) >= 1
        ]
        fitting.sort(key=lambda t: (t[0], t[1]))
        fields: dict[str, tuple[str, ...]] = {}
        default: str | None = None
        for _, _, entry in fitting:
            fields.update(entry.fields)
            if entry.default:
                default = entry.default
        return FieldResolver(fields, default)


@dataclass(frozen=True)
class FieldResolver:
    """Sigma field name -> ECS paths, for one logsource."""

    fields: dict[str, tuple[str, ...]]
    default: str | None

    def __call__(self, field: str) -> tuple[str, ...]:
        if field in self.fields:
            return self.fields[field]
        if self.default is not None:
            return (self.default.format(field=field),)
        return (field,)


def expand_condition(condition: Condition) -> Iterable[tuple[tuple[str, str], ...]]:
    """Every combination of single values of a condition, as sorted (field, value) pairs."""
    keys = sorted(condition)
    for combo in itertools.product(*(sorted(condition[k]) for k in keys)):
        yield tuple(zip(keys, combo, strict=True))
