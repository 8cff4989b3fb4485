"""The indicators of a period report: which exist, their unit, which way is better, their
targets, and how a value compares with its target and with the previous period.

The catalogue below is the list of indicator ids (stable snake_case; renderers hold
their titles). Targets come from the built-in ``targets.yml`` and, over it, the
file named by ``SECOPS_REPORT_TARGETS_FILE``.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml

from secops import yaml_limits
from secops.compliance.report_model import Indicator, IndicatorStatus, IndicatorUnit
from secops.errors import ConfigError

Better = Literal["higher", "lower"] | None
FigureKey = tuple[str, str | None]  # (indicator id, key or None)

CATALOGUE: dict[str, tuple[IndicatorUnit, Better]] = {
    "records_received": ("count", None),
    "records_stored": ("count", None),
    "records_unparsed": ("count", "lower"),
    "records_unparsed_ratio": ("ratio", "lower"),
    "records_dead_lettered": ("count", "lower"),
    "records_dropped": ("count", "lower"),
    "systems_registered": ("count", None),
    "systems_silent": ("count", "lower"),
    "systems_never_connected": ("count", "lower"),
    "systems_unregistered": ("count", "lower"),
    "alerts_total": ("count", None),
    "alerts_by_severity": ("count", None),
    "alerts_by_tactic": ("count", None),
    "alerts_by_confidentiality": ("count", None),
    "confidentiality_incidents_confirmed": ("count", "lower"),
    "time_to_acknowledge_median_seconds": ("seconds", "lower"),
    "time_to_acknowledge_p90_seconds": ("seconds", "lower"),
    "time_to_resolve_median_seconds": ("seconds", "lower"),
    "time_to_resolve_p90_seconds": ("seconds", "lower"),
    "sla_breaches": ("count", "lower"),
    "alerts_triaged_ratio": ("ratio", "higher"),
    "controls_failing_at_end": ("count", "lower"),
    "control_failing_seconds": ("seconds", "lower"),
    "audit_trail_intact": ("bool", "higher"),
    "audit_entries": ("count", None),
    "mfa_coverage_ratio": ("ratio", "higher"),
    "rules_active": ("count", None),
    "rules_disabled": ("count", "lower"),
    "rules_unsupported": ("count", "lower"),
    "retention_days": ("days", "higher"),
}

Targets = dict[str, float | None]


def _parse(text: str, where: str) -> Targets:
    try:
        raw = yaml_limits.load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"targets are not YAML: {exc}", where=where) from exc
    raw = raw if raw is not None else {}
    if not isinstance(raw, dict):
        raise ConfigError("targets must be a mapping of indicator id to number", where=where)
    out: Targets = {}
    for name, value in raw.items():
        ident = str(name).split(":", 1)[0]
        if ident not in CATALOGUE:
            raise ConfigError(
                f"unknown indicator {ident!r}; known: {', '.join(sorted(CATALOGUE))}", where=where
            )
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ConfigError(f"target of {name} must be a number or null", where=where)
        out[str(name)] = None if value is None else float(value)
    return out


def load_targets(path: Path | None = None) -> Targets:
    """The built-in targets, with those of ``path`` over them."""
    builtin = resources.files("secops.compliance") / "targets.yml"
    targets = _parse(builtin.read_text(encoding="utf-8"), "secops/compliance/targets.yml")
    if path is not None:
        try:
            text = yaml_limits.read_text(path)
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read targets: {exc}", where=str(path)) from exc
        targets.update(_parse(text, str(path)))
    return targets


def _target(targets: Targets, ident: str, key: str | None) -> float | None:
    if key is not None and f"{ident}:{key}" in targets:
        return targets[f"{ident}:{key}"]
    return targets.get(ident)


def status_of(value: float | None, target: float | None, better: Better) -> IndicatorStatus:
    if value is None or target is None or better is None:
        return "none"
    met = value >= target if better == "higher" else value <= target
    return "met" if met else "missed"


def build_indicators(
    current: Mapping[FigureKey, float | None],
    previous: Mapping[FigureKey, float | None],
    targets: Targets,
) -> list[Indicator]:
    """One indicator per figure of ``current``, in catalogue order then by key."""
    order = {ident: i for i, ident in enumerate(CATALOGUE)}
    out = []
    for ident, key in sorted(current, key=lambda k: (order[k[0]], k[1] or "")):
        unit, better = CATALOGUE[ident]
        value = current[(ident, key)]
        # A count the previous period has no row for (a tactic, a source not seen) was 0.
        before = previous.get((ident, key), 0 if unit == "count" else None)
        target = _target(targets, ident, key)
        out.append(
            Indicator(
                id=ident,
                key=key,
                value=value,
                unit=unit,
                better=better,
                target=target,
                previous=before,
                change=None if value is None or before is None else value - before,
                status=status_of(value, target, better),
            )
        )
    return out
