"""Reading correlation rules from Sigma YAML files.

A file may hold several YAML documents (the specification's way of keeping a
correlation and its base rules together); only documents with a `correlation`
section are taken here. A broken rule is reported with its file and line and the
others are still loaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from secops.detect.correlation.spec import CorrelationSpec, compile_rule
from secops.errors import RuleError

SUFFIXES = (".yml", ".yaml")


def load_correlation_rules(
    paths: Iterable[str | Path], *, collect_errors: bool = True
) -> tuple[list[CorrelationSpec], list[RuleError]]:
    """Compile the correlation rules of the given files and directories (searched
    recursively for .yml/.yaml). Without `collect_errors` the first error is raised."""
    specs: list[CorrelationSpec] = []
    errors: list[RuleError] = []
    for path in _files(paths):
        for document, line, error in _documents(path):
            if error is None and isinstance(document, dict) and "correlation" in document:
                try:
                    specs.append(compile_rule(document, path=str(path), line=line))
                except RuleError as exc:
                    error = exc
            if error is not None:
                if not collect_errors:
                    raise error
                errors.append(error)
    return specs, errors


def _files(paths: Iterable[str | Path]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        else:
            yield path


def _documents(path: Path) -> Iterator[tuple[Any, int | None, RuleError | None]]:
    """(document, first line, None) per YAML document, or (None, line, error) once."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        yield None, None, RuleError(f"cannot read rule file: {exc}", path=str(path))
        return
    loader = yaml.SafeLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            yield loader.construct_document(node), node.start_mark.line + 1, None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        yield None, line, RuleError(f"invalid YAML: {exc.problem}", path=str(path), line=line)
    except yaml.YAMLError as exc:
        yield None, None, RuleError(f"invalid YAML: {exc}", path=str(path))
    finally:
        loader.dispose()
