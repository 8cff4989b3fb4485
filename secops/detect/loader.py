"""Loading Sigma rule files into a :class:`RuleSet`.

Every ``*.yml``/``*.yaml`` file under the given directories is parsed with
pySigma; rule sample files (``*.tests.yml``, see rules/README.md) are skipped.
Sigma filter documents among them are compiled into the rules they name, after
every rule is loaded (``secops.detect.filters``).
A file that cannot be parsed, or a rule that cannot be compiled, becomes a
:class:`RuleError` with the file, the line and the reason; with
``collect_errors`` (the default) it is recorded and skipped, otherwise raised.

Placeholders of the ``expand`` modifier (``%name%``) take their values from the
``placeholders`` mapping (name -> list of values). It is empty by default, so a
rule that uses an unconfigured placeholder is rejected, saying which one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError, SigmaRuleLocation
from sigma.rule import SigmaRule

from secops import yaml_limits
from secops.definitions import SEVERITIES
from secops.detect.compiler import compile_node
from secops.detect.filters import apply_filters, filter_spec
from secops.detect.ir import Lowering, Node, Or
from secops.detect.literals import required, string_paths
from secops.detect.mapping import FieldMapping, UnsupportedLogsourceError
from secops.detect.models import RuleMeta
from secops.detect.overrides import override_rules
from secops.detect.ruleset import CompiledRule, FilterSpec, RuleSet
from secops.errors import RuleError

# Our own rules: `rules/` of the repository, which the package reaches through its
# `builtin_rules` link and carries as package data, so an installed secops (a wheel,
# the Docker image) finds them too.
BUILTIN_RULES = (Path(__file__).parents[1] / "builtin_rules").resolve()
SAMPLE_SUFFIX = ".tests.yml"
_LEVELS = frozenset(SEVERITIES)
# Modifier names of the Sigma specification that pySigma knows under another name.
MODIFIER_ALIASES = {"utf16le": "wide"}


def apply_modifier_aliases(doc: dict[str, Any]) -> dict[str, Any]:
    """Rename aliased modifiers in a rule document's detection keys (in place)."""
    detection = doc.get("detection")
    if isinstance(detection, dict):
        for name, definition in list(detection.items()):
            if name != "condition":
                detection[name] = _rename_keys(definition)
    return doc


def _rename_keys(definition: Any) -> Any:
    if isinstance(definition, list):
        return [_rename_keys(item) for item in definition]
    if not isinstance(definition, dict):
        return definition
    renamed = {}
    for key, value in definition.items():
        if isinstance(key, str) and "|" in key:
            field, *mods = key.split("|")
            key = "|".join([field, *(MODIFIER_ALIASES.get(m, m) for m in mods)])
        renamed[key] = value
    return renamed


def rule_files(dirs: Iterable[Path]) -> Iterator[Path]:
    """Rule files under the directories (or the files themselves), in a stable order."""
    for root in dirs:
        root = Path(root)
        if root.is_file():
            yield root
            continue
        found = [*root.rglob("*.yml"), *root.rglob("*.yaml")]
        for path in sorted(found):
            if not path.name.endswith(SAMPLE_SUFFIX) and path.is_file():
                yield path


def load_rules(
    dirs: Iterable[Path],
    *,
    mapping: FieldMapping | None = None,
    placeholders: Mapping[str, Sequence[str]] | None = None,
    overrides: Path | None = None,
    collect_errors: bool = True,
) -> RuleSet:
    """Load and compile every rule under ``dirs``; ``overrides``: a per-rule overrides file."""
    mapping = mapping or FieldMapping.load()
    placeholders = placeholders or {}
    ruleset = RuleSet()
    seen: set[str] = set()
    filters: list[FilterSpec] = []
    pending: list[tuple[SigmaRule, str, str]] = []
    texts: dict[str, str] = {}
    for path in rule_files(dirs):
        _load_file(path, ruleset, filters, pending, texts, collect_errors)
    for rule, text, where in pending:
        try:
            compiled = compile_rule(rule, mapping=mapping, placeholders=placeholders)
        except (SigmaError, RuleError, RecursionError) as exc:
            line = rule_line(text, rule, _reason(exc))
            _fail(ruleset, RuleError(_reason(exc), path=where, line=line), collect_errors)
            continue
        if compiled.meta.id in seen:
            err = RuleError(f"duplicate rule id {compiled.meta.id}", path=where)
            _fail(ruleset, err, collect_errors)
            continue
        seen.add(compiled.meta.id)
        ruleset.rules.append(compiled)
    if filters:
        correlations = [str(c.id) for c in ruleset.correlations if c.id]
        correlations += [c.name for c in ruleset.correlations if c.name]
        ruleset.rules, ruleset.filters, errors = apply_filters(
            ruleset.rules,
            filters,
            text_of=texts,
            mapping=mapping,
            placeholders=placeholders,
            correlations=correlations,
        )
        for error in errors:
            ruleset.filter_errors.append(error)
            _fail(ruleset, error, collect_errors)
    if overrides is not None:
        for error in override_rules(ruleset, overrides):
            ruleset.override_errors.append(error)
            _fail(ruleset, error, collect_errors)
    return ruleset


def _fail(ruleset: RuleSet, error: RuleError, collect_errors: bool) -> None:
    if not collect_errors:
        raise error
    ruleset.errors.append(error)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, SigmaError) and exc.args:
        return str(exc.args[0])
    if isinstance(exc, RuleError):
        return exc.message
    return str(exc) or type(exc).__name__


def _load_file(
    path: Path,
    ruleset: RuleSet,
    filters: list[FilterSpec],
    pending: list[tuple[SigmaRule, str, str]],
    texts: dict[str, str],
    collect_errors: bool,
) -> None:
    where = str(path)
    try:
        text = yaml_limits.read_text(path)
        docs = [d for d in yaml_limits.load_all(text) if d is not None]
        docs = [apply_modifier_aliases(d) if isinstance(d, dict) else d for d in docs]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        _fail(ruleset, RuleError(f"invalid YAML: {exc}", path=where, line=line), collect_errors)
        return
    except (OSError, UnicodeDecodeError) as exc:
        _fail(ruleset, RuleError(f"cannot read: {exc}", path=where, line=1), collect_errors)
        return
    if not all(isinstance(d, dict) for d in docs):
        _fail(ruleset, RuleError("a rule is a YAML mapping", path=where, line=1), collect_errors)
        return
    try:
        collection = SigmaCollection.from_dicts(
            docs,
            collect_errors=True,
            source=SigmaRuleLocation(path),
            collect_filters=True,
            resolve_references=False,
        )
    except (SigmaError, TypeError, AttributeError, ValueError) as exc:
        _fail(ruleset, RuleError(_reason(exc), path=where, line=1), collect_errors)
        return
    reported: set[int] = set()
    for item in collection.rules:
        if item.errors:
            for err in item.errors:
                reported.add(id(err))
                line = rule_line(text, item, _reason(err))
                _fail(ruleset, RuleError(_reason(err), path=where, line=line), collect_errors)
            continue
        if isinstance(item, SigmaCorrelationRule):
            ruleset.correlations.append(item)
        elif isinstance(item, SigmaRule):
            pending.append((item, text, where))
    for flt in collection.filters:
        if flt.errors:
            for err in flt.errors:
                reported.add(id(err))
                line = rule_line(text, flt, _reason(err))
                error = RuleError(_reason(err), path=where, line=line)
                ruleset.filter_errors.append(error)
                _fail(ruleset, error, collect_errors)
            continue
        texts[where] = text
        filters.append(filter_spec(flt, path=where, line=rule_line(text, flt, "")))
    for err in collection.errors:
        if id(err) not in reported:
            _fail(ruleset, RuleError(_reason(err), path=where, line=1), collect_errors)


def compile_rule(
    rule: SigmaRule,
    *,
    mapping: FieldMapping,
    placeholders: Mapping[str, Sequence[str]],
) -> CompiledRule:
    """Lower, compile and index one parsed rule."""
    logsource = {
        k: v
        for k, v in (
            ("product", rule.logsource.product),
            ("category", rule.logsource.category),
            ("service", rule.logsource.service),
        )
        if v
    }
    try:
        routes = mapping.routes(logsource)
        unsupported = None
    except UnsupportedLogsourceError as exc:
        routes, unsupported = (), exc.message  # loaded and listed, but routed to no event
    lowering = Lowering(mapping.field_resolver(logsource), placeholders)
    trees = [lowering.lower(cond.parsed) for cond in rule.detection.parsed_condition]
    tree: Node = trees[0] if len(trees) == 1 else Or(tuple(trees))
    return CompiledRule(
        meta=rule_meta(rule, logsource),
        matcher=compile_node(tree),
        tree=tree,
        routes=routes,
        literals=required(tree),
        paths=string_paths(tree),
        sigma=rule,
        unsupported=unsupported,
    )


def rule_meta(rule: SigmaRule, logsource: dict[str, str]) -> RuleMeta:
    path = str(rule.source.path) if rule.source else None
    level = rule.level.name.lower() if rule.level else "medium"
    status = rule.status.name.lower() if rule.status else None
    return RuleMeta(
        id=str(rule.id) if rule.id else f"{path}#{rule.title}",
        name=rule.name,
        title=rule.title,
        level=level if level in _LEVELS else "medium",
        tags=tuple(str(t) for t in rule.tags),
        description=rule.description,
        logsource=logsource,
        path=path,
        falsepositives=tuple(str(f) for f in rule.falsepositives),
        status=status,
    )


def rule_line(text: str, rule: Any, reason: str) -> int:
    """Best line for an error: a quoted token of the reason inside the rule, else its id/title."""
    start = 0
    for anchor in (getattr(rule, "id", None), getattr(rule, "title", None)):
        if anchor:
            pos = text.find(str(anchor))
            if pos >= 0:
                start = text.rfind("\n---", 0, pos) + 1 if "\n---" in text[:pos] else 0
                break
    tokens = re.findall(r"'([^'\n]{2,})'", reason) + re.findall(r"%[^%\s]+%", reason)
    for token in tokens:
        pos = text.find(token, start)
        if pos >= 0:
            return text.count("\n", 0, pos) + 1
    for anchor in (getattr(rule, "id", None), getattr(rule, "title", None)):
        if anchor:
            pos = text.find(str(anchor), start)
            if pos >= 0:
                return text.count("\n", 0, pos) + 1
    return 1
