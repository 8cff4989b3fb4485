"""pySigma's SQLite backend as a reference engine for the detection tests.

Events are flattened into one SQLite table, a column per dotted ECS path (values
as text, compared case-insensitively, as Sigma does). Each rule is converted by
``pysigma-backend-sqlite`` through a processing pipeline built from our mapping
files: the Sigma field names of the rule's logsource become the ECS paths that
``fields.yml`` names (a field with several paths matches at any of them), the
others take the logsource's default template; ``logsources.yml``'s routes of the
rule's logsource become a WHERE clause beside the rule's. Keywords (values without
a field) search a column holding the event's ``message`` and ``event.original``.

Only the test suite uses this module; ``pysigma-backend-sqlite`` is a dev extra.
"""

from __future__ import annotations

import copy
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sigma.backends.sqlite import sqliteBackend
from sigma.exceptions import SigmaError
from sigma.processing.conditions import ExcludeFieldCondition
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import (
    AddFieldnamePrefixTransformation,
    FieldMappingTransformation,
)

from secops.detect.ir import KEYWORD_PATHS
from secops.detect.mapping import Condition, FieldMapping
from secops.detect.ruleset import CompiledRule

TABLE = "logs"
FULLTEXT = "secops_fulltext"
ROW = "secops_row"


def flatten(event: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted path, text) of every leaf; lists are kept as JSON text."""
    for key, value in event.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from flatten(value, f"{path}.")
        elif isinstance(value, list):
            yield path, json.dumps(value)
        elif isinstance(value, bool):
            yield path, "true" if value else "false"
        elif value is not None:
            yield path, str(value)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _regexp(pattern: str, value: Any) -> bool:
    return value is not None and re.search(pattern, str(value)) is not None


class EventTable:
    """Events in one SQLite table, a TEXT COLLATE NOCASE column per path."""

    def __init__(self, events: Iterable[Mapping[str, Any]], *, indexed: Iterable[str] = ()) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.create_function("REGEXP", 2, _regexp, deterministic=True)
        self.db.execute(f"CREATE TABLE {TABLE} ({ROW} INTEGER, {FULLTEXT} TEXT COLLATE NOCASE)")
        self.columns: set[str] = {ROW.lower(), FULLTEXT.lower()}
        self.size = 0
        for row, event in enumerate(events):
            fields = dict(flatten(event))
            texts = [fields[p] for p in KEYWORD_PATHS if p in fields]
            fields[ROW] = str(row)
            fields[FULLTEXT] = "\n".join(texts)
            for name in fields:
                self._column(name)
            names = ", ".join(_quote(n) for n in fields)
            marks = ", ".join("?" for _ in fields)
            insert = f"INSERT INTO {TABLE} ({names}) VALUES ({marks})"  # noqa: S608 (quoted names)
            self.db.execute(insert, list(fields.values()))
            self.size += 1
        # Routing fields are indexed: most rules' routes then select a few rows only.
        for number, name in enumerate(sorted(indexed)):
            self._column(name)
            self.db.execute(f"CREATE INDEX i{number} ON {TABLE} ({_quote(name)})")
        self.db.execute("ANALYZE")
        self.db.commit()

    def _column(self, name: str) -> None:
        if name.lower() not in self.columns:
            self.db.execute(f"ALTER TABLE {TABLE} ADD COLUMN {_quote(name)} TEXT COLLATE NOCASE")
            self.columns.add(name.lower())

    def rows(self, where: str) -> list[int]:
        """Row numbers of the events the WHERE clause selects (absent columns read NULL)."""
        while True:
            try:
                query = f"SELECT {ROW} FROM {TABLE} WHERE {where}"  # noqa: S608 (the backend's SQL)
                found = self.db.execute(query).fetchall()
            except sqlite3.OperationalError as exc:
                missing = re.match(r"no such column: (.+)", str(exc))
                if missing is None:
                    raise
                self._column(missing.group(1).strip('"'))
                continue
            return [int(r[0]) for r in found]


def route_sql(routes: tuple[Condition, ...] | None) -> str:
    """The logsource's routes as SQL: OR of alternatives, AND of fields, IN of values."""
    if routes is None:
        return "1"
    if not routes:
        return "0"
    alternatives = []
    for condition in routes:
        tests = []
        for field, values in sorted(condition.items()):
            listed = ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values))
            tests.append(f"{_quote(field)} IN ({listed})")
        alternatives.append("(" + " AND ".join(tests) + ")")
    return "(" + " OR ".join(alternatives) + ")"


def pipeline_for(mapping: FieldMapping, logsource: Mapping[str, str]) -> ProcessingPipeline:
    """Our field names of one logsource as pySigma transformations."""
    resolver = mapping.field_resolver(logsource)
    items = []
    if resolver.fields:
        targets = {p for paths in resolver.fields.values() for p in paths}
        items.append(
            ProcessingItem(
                FieldMappingTransformation(
                    {f: list(p) if len(p) > 1 else p[0] for f, p in resolver.fields.items()}
                ),
                identifier="secops_fields",
            )
        )
    else:
        targets = set()
    if resolver.default is not None:
        prefix, _, suffix = resolver.default.partition("{field}")
        assert not suffix, f"a default template with a suffix: {resolver.default}"
        items.append(
            ProcessingItem(
                AddFieldnamePrefixTransformation(prefix),
                field_name_conditions=[ExcludeFieldCondition(fields=sorted(targets))],
                identifier="secops_default",
            )
        )
    return ProcessingPipeline(items=items, name="secops mapping files")


@dataclass(frozen=True)
class Converted:
    where: str | None  # None: the backend cannot convert the rule
    error: str | None = None


def convert(rule: CompiledRule, mapping: FieldMapping) -> Converted:
    """The rule's WHERE clause (its routes AND its detection), or why there is none."""
    backend = sqliteBackend(
        processing_pipeline=pipeline_for(mapping, rule.meta.logsource), fulltext_field=FULLTEXT
    )
    try:
        queries = backend.convert_rule(copy.deepcopy(rule.sigma))
    except (SigmaError, NotImplementedError, ValueError, TypeError) as exc:
        return Converted(None, f"{type(exc).__name__}: {exc}")
    prefix = f"SELECT * FROM {TABLE} WHERE "  # noqa: S608 (what the backend writes)
    parts = []
    for query in queries:
        assert query.startswith(prefix), query
        parts.append("(" + query.removeprefix(prefix) + ")")
    return Converted(f"{route_sql(rule.routes)} AND ({' OR '.join(parts)})")
