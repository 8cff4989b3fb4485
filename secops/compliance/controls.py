"""The controls, as data: ``controls.yml`` loaded and validated against the check registry."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from secops.compliance.checks import CHECKS
from secops.compliance.models import ControlDef
from secops.errors import ConfigError, NotFoundError

BUILTIN = "controls.yml"


def _text(path: Path | None) -> tuple[str, str]:
    if path is None:
        entry = resources.files("secops.compliance") / BUILTIN
        return entry.read_text(encoding="utf-8"), f"secops/compliance/{BUILTIN}"
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read controls: {exc}", where=str(path)) from exc


def _control(raw: Any, where: str) -> ControlDef:
    try:
        control = ControlDef.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"invalid control: {exc}", where=where) from exc
    check = CHECKS.get(control.check)
    if check is None:
        raise ConfigError(
            f"unknown check {control.check!r}; known: {', '.join(sorted(CHECKS))}", where=where
        )
    try:
        check.params.model_validate(control.params)
    except ValidationError as exc:
        raise ConfigError(f"invalid params of {control.check}: {exc}", where=where) from exc
    return control


def load_controls(
    path: Path | None = None, *, collect_errors: bool = False
) -> tuple[list[ControlDef], list[ConfigError]]:
    """The controls of ``path`` (the built-in file by default) and, with ``collect_errors``,
    every invalid one; without it the first invalid control raises."""
    text, name = _text(path)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"controls are not YAML: {exc}", where=name) from exc
    if not isinstance(raw, list):
        raise ConfigError("controls must be a list", where=name)
    controls: list[ControlDef] = []
    errors: list[ConfigError] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        ident = item.get("id") if isinstance(item, dict) else None
        where = f"{name}[{i}]" + (f" {ident}" if ident else "")
        try:
            control = _control(item, where)
            if control.id in seen:
                raise ConfigError(f"duplicate control id {control.id}", where=where)
        except ConfigError as exc:
            if not collect_errors:
                raise
            errors.append(exc)
            continue
        seen.add(control.id)
        controls.append(control)
    return controls, errors


def builtin_controls() -> list[ControlDef]:
    return load_controls()[0]


def find_control(control_id: str, controls: list[ControlDef] | None = None) -> ControlDef:
    for control in controls if controls is not None else builtin_controls():
        if control.id == control_id:
            return control
    raise NotFoundError("no such control", where=control_id)
