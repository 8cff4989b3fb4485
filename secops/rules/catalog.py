"""The rules the pipeline runs, loaded as ``build_detector`` loads them, with their errors.

Loading a large rule directory (SigmaHQ's thousands of rules) takes seconds, so
a catalogue is kept per fingerprint of the rule files (path, size, mtime), the
mapping file, the overrides file and the placeholders: an edited, added or removed file gives a new
catalogue at the next request.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from sigma.correlations import SigmaCorrelationRule

from secops.detect.correlation import CorrelationEngine, CorrelationSpec, compile_rule
from secops.detect.loader import BUILTIN_RULES, load_rules, rule_files
from secops.detect.mapping import FieldMapping
from secops.detect.models import RuleMeta
from secops.detect.ruleset import RuleSet
from secops.errors import NotFoundError, RuleError
from secops.settings import Settings

_CACHE_SIZE = 4
_DOC_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class Catalog:
    ruleset: RuleSet  # the single-event rules and every correlation rule that parsed
    correlations: dict[str, tuple[SigmaCorrelationRule, CorrelationSpec]]  # usable ones, by id
    errors: tuple[RuleError, ...]  # rejected rules: load, compile and reference errors

    def metas(self) -> Iterator[RuleMeta]:
        """Every usable rule: single-event rules, then correlation rules."""
        yield from (r.meta for r in self.ruleset.rules)
        yield from (spec.meta for _, spec in self.correlations.values())

    def unsupported(self) -> dict[str, str]:
        """Rule id -> why it is inactive, for the rules no mapping entry routes any event to."""
        return {r.meta.id: r.unsupported for r in self.ruleset.rules if r.unsupported is not None}

    def filters_by_rule(self) -> dict[str, list[str]]:
        """Rule id -> ids of the Sigma filters compiled into it."""
        out: dict[str, list[str]] = {}
        for spec in self.ruleset.filters:
            for rule_id in spec.applied_to:
                out.setdefault(rule_id, []).append(spec.id)
        return out

    def find(self, rule_id: str) -> RuleMeta:
        for meta in self.metas():
            if meta.id == rule_id:
                return meta
        raise NotFoundError(f"no rule {rule_id!r} is loaded")

    def subset(self, rule_ids: Collection[str]) -> RuleSet:
        """The rules asked for, and whatever the correlations among them read (transitively)."""
        wanted = set()
        for rule_id in rule_ids:
            wanted.add(self.find(rule_id).id)
        index = {m.name: m.id for m in self.metas() if m.name}
        index.update({m.id: m.id for m in self.metas()})
        todo = [rid for rid in wanted if rid in self.correlations]
        while todo:
            _, spec = self.correlations[todo.pop()]
            for ref in spec.rules:
                target = index.get(ref)
                if target is not None and target not in wanted:
                    wanted.add(target)
                    if target in self.correlations:
                        todo.append(target)
        return RuleSet(
            rules=[r for r in self.ruleset.rules if r.meta.id in wanted],
            correlations=[c for rid, (c, _) in self.correlations.items() if rid in wanted],
        )


def rule_dirs(settings: Settings) -> list[Path]:
    """Where the pipeline's rules come from: ours, then the configured directories."""
    return [BUILTIN_RULES, *settings.rule_dirs]


def load_catalog(settings: Settings) -> Catalog:
    """The catalogue of the settings' rules, from the cache while no file changed."""
    key = _fingerprint(settings)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    catalog = _load(settings)
    with _lock:
        _cache[key] = catalog
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return catalog


def rule_yaml(meta: RuleMeta) -> str:
    """The YAML document of a rule in its file (the whole file when it cannot tell which)."""
    if meta.path is None:
        raise NotFoundError(f"rule {meta.id!r} has no file")
    try:
        text = Path(meta.path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NotFoundError(f"cannot read the file of rule {meta.id!r}: {exc}") from exc
    docs = [d for d in _DOC_SEPARATOR.split(text) if d.strip()]
    if len(docs) <= 1:
        return text
    line = re.compile(rf"^id:\s*['\"]?{re.escape(meta.id)}['\"]?\s*$", re.MULTILINE)
    for doc in docs:
        if line.search(doc):
            return doc.strip("\n") + "\n"
    return text


_lock = threading.Lock()
_cache: OrderedDict[tuple[object, ...], Catalog] = OrderedDict()


def rules_fingerprint(settings: Settings) -> tuple[object, ...]:
    """What a change of the rules shows in: rule files, mapping and overrides file, placeholders."""
    return _fingerprint(settings)


def _fingerprint(settings: Settings) -> tuple[object, ...]:
    dirs = rule_dirs(settings)
    files = []
    extra = [f for f in (settings.detect_mapping_file, settings.rule_overrides_file) if f]
    for path in [*rule_files(dirs), *extra]:
        try:
            st = path.stat()
        except OSError:
            files.append((str(path), -1, -1))
            continue
        files.append((str(path), st.st_size, st.st_mtime_ns))
    placeholders = json.dumps(settings.detect_placeholders, sort_keys=True)
    return (tuple(str(d) for d in dirs), tuple(files), placeholders)


def _load(settings: Settings) -> Catalog:
    ruleset = load_rules(
        rule_dirs(settings),
        mapping=FieldMapping.load(settings.detect_mapping_file),
        placeholders=settings.detect_placeholders,
        overrides=settings.rule_overrides_file,
        collect_errors=True,
    )
    errors = list(ruleset.errors)
    compiled: dict[str, tuple[SigmaCorrelationRule, CorrelationSpec]] = {}
    for rule in ruleset.correlations:
        try:
            spec = compile_rule(rule)
        except RuleError as exc:
            errors.append(exc)
            continue
        compiled[spec.meta.id] = (rule, spec)
    # Routing finds unknown references and cycles, as the pipeline's engine does.
    engine = CorrelationEngine(
        [spec for _, spec in compiled.values()],
        [r.meta for r in ruleset.rules],
        collect_errors=True,
    )
    errors.extend(engine.errors)
    routed = {spec.meta.id for spec in engine.specs}
    usable = {rid: pair for rid, pair in compiled.items() if rid in routed}
    return Catalog(ruleset=ruleset, correlations=usable, errors=tuple(errors))
