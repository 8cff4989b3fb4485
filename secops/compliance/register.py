"""The register of expected sources: the parliament's systems secops must hear from.

A YAML file (``SECOPS_SOURCES_REGISTER_FILE``) lists each system with its owner, its
criticality, how it sends (the collector input, and the host and application its
records carry, ``*`` and ``?`` patterns allowed), the format it should parse as and
the longest silence tolerated. The sources control and the period reports name the
systems that went silent and those that never sent anything at all.

    systems:
      - name: dms
        owner: Directorate of IT
        criticality: critical
        input: syslog-tls
        host: dms-*.majlis.local
        application: dms
        format: dms
        max_silence_hours: 4
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from secops import yaml_limits
from secops.compliance.report_model import Criticality
from secops.errors import ConfigError
from secops.normalize.registry import PARSERS

INPUTS = ("syslog-udp", "syslog-tcp", "syslog-tls", "http", "file", "cli")


def known_formats() -> frozenset[str]:
    """Parser names and the datasets they give (``sshd`` or ``linux.sshd``)."""
    return frozenset(PARSERS) | {p.dataset for p in PARSERS.values()}


class ExpectedSystem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=120, pattern=r"^[\w.-]+$")
    owner: str = Field(min_length=1, max_length=200)
    criticality: Criticality
    input: str = Field(description="The collector input: " + ", ".join(INPUTS))
    host: str | None = Field(None, description="Host name or address; * and ? patterns")
    application: str | None = Field(None, description="App-name, program, file or key name")
    format: str = Field(description="The parser dataset its records should parse as")
    max_silence_hours: float = Field(gt=0, le=24 * 366)

    @model_validator(mode="after")
    def _known_input_and_format(self) -> ExpectedSystem:
        if self.input not in INPUTS:
            raise ValueError(f"input {self.input!r} is not one of {', '.join(INPUTS)}")
        formats = known_formats()
        if self.format not in formats:
            raise ValueError(f"format {self.format!r} is not one of {', '.join(sorted(formats))}")
        return self

    def matches(self, input_: str, host: str, application: str) -> bool:
        """Does the source (input, host, application) belong to this system?"""
        if input_ != self.input:
            return False
        if self.host is not None and not fnmatchcase(host, self.host):
            return False
        return self.application is None or fnmatchcase(application, self.application)


class Register(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    systems: list[ExpectedSystem] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> Register:
        seen: set[str] = set()
        for s in self.systems:
            if s.name in seen:
                raise ValueError(f"system {s.name!r} is listed twice")
            seen.add(s.name)
        return self

    def system_of(self, input_: str, host: str, application: str) -> ExpectedSystem | None:
        """The first system the source belongs to, in the order of the file."""
        for s in self.systems:
            if s.matches(input_, host, application):
                return s
        return None


def load_register(path: Path | None) -> Register:
    """The register at ``path``; an empty one when no file is configured."""
    if path is None:
        return Register()
    try:
        raw = yaml_limits.load(yaml_limits.read_text(path))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the register of sources: {exc}", where=str(path)) from exc
    try:
        return Register.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        raise ConfigError(f"invalid register of sources: {exc}", where=str(path)) from exc
