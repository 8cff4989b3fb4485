"""Rule validation for ``secops rules validate``: every problem at once, never the first only."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from secops.detect.loader import load_rules
from secops.detect.mapping import FieldMapping
from secops.errors import RuleError


@dataclass(frozen=True)
class ValidationReport:
    loaded: int  # single-event rules that compiled
    correlations: int  # correlation rules handed on
    rejected: int  # files or rules that were refused
    errors: tuple[RuleError, ...]
    unrouted: tuple[str, ...] = field(default=())  # "path: title" of rules run on every event
    # "path: title: reason" of rules loaded but inactive (state unsupported_logsource)
    unsupported: tuple[str, ...] = field(default=())
    filters: int = 0  # Sigma filters loaded (each compiled into the rules it names)
    filter_errors: int = 0  # bad filters or filter references (the rules load regardless)
    override_errors: int = 0  # bad entries of the overrides file (the rules load regardless)

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        """One ``file:line: reason`` per error, then warnings, then the counts."""
        out = [f"{e.path or '?'}:{e.line or 1}: {e.message}" for e in self.errors]
        out += [f"warning: no logsource keys, evaluated on every event: {u}" for u in self.unrouted]
        out += [f"inactive (unsupported_logsource): {u}" for u in self.unsupported]
        inactive = f" ({len(self.unsupported)} inactive)" if self.unsupported else ""
        counts = (
            f"{self.loaded} rules loaded{inactive}, {self.correlations} correlation rules, "
            f"{self.rejected} rejected"
        )
        counts += f", {self.filters} filters" if self.filters else ""
        counts += f", {self.filter_errors} filter errors" if self.filter_errors else ""
        counts += f", {self.override_errors} override errors" if self.override_errors else ""
        out.append(counts)
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def validate(
    dirs: Iterable[Path],
    *,
    mapping_file: Path | None = None,
    placeholders: Mapping[str, Sequence[str]] | None = None,
    overrides_file: Path | None = None,
) -> ValidationReport:
    """Load every rule under ``dirs`` as the engine would and report what failed."""
    ruleset = load_rules(
        list(dirs),
        mapping=FieldMapping.load(mapping_file),
        placeholders=placeholders,
        overrides=overrides_file,
        collect_errors=True,
    )
    return ValidationReport(
        loaded=len(ruleset.rules),
        correlations=len(ruleset.correlations),
        # Filter and override errors reject no rule: counted apart.
        rejected=len(ruleset.errors) - len(ruleset.filter_errors) - len(ruleset.override_errors),
        errors=tuple(ruleset.errors),
        unrouted=tuple(f"{r.meta.path}: {r.meta.title}" for r in ruleset.unrouted),
        unsupported=tuple(
            f"{r.meta.path}: {r.meta.title}: {r.unsupported}" for r in ruleset.unsupported
        ),
        filters=len(ruleset.filters),
        filter_errors=len(ruleset.filter_errors),
        override_errors=len(ruleset.override_errors),
    )
