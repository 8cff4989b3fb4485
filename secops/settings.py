"""The one settings object.

Built by :func:`get_settings` from ``SECOPS_*`` environment variables and an
optional TOML file named by ``SECOPS_CONFIG_FILE``; never read at import time.
Secret files (``SECOPS_SECRETS_DIR``) are read too. Secrets have no defaults:
outside development mode a missing secret is an error,
in development mode a random one is generated and the log says so loudly.
"""

from __future__ import annotations

import logging
import os
import secrets
import tomllib
from difflib import get_close_matches
from functools import lru_cache
from ipaddress import ip_network
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, IPvAnyNetwork, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from secops.definitions import DEFAULT_SLA_MINUTES, Severity
from secops.errors import ConfigError
from secops.secret_strength import MIN_KEY_BYTES, weakness

ReportKind = Literal["month", "quarter", "half_year", "year"]

log = logging.getLogger(__name__)

# Secrets that must be configured outside development mode.
_REQUIRED_SECRETS = ("token_signing_key", "audit_signing_key")
# Keys whose strength is checked outside development mode (with ingest_api_keys).
_KEYS = ("token_signing_key", "audit_signing_key", "data_key")
# The longest report period (a year) with a month's margin: the default retention and
# the shortest one accepted without retention_short_accepted.
MIN_RETENTION_DAYS = 400
# RFC 1918, loopback and link-local; IPv6 loopback, unique local and link-local.
DEFAULT_INTERNAL_NETWORKS = (  # the default of SECOPS_INTERNAL_NETWORKS
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
)


# Root's home is closed to other users, and the managed Elasticsearch runs as an
# unprivileged user, so root keeps secops' files under /var like a system service.
def _default_cache_dir() -> Path:
    if os.geteuid() == 0:
        return Path("/var/cache/secops")
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "secops"


def _default_state_dir() -> Path:
    if os.geteuid() == 0:
        return Path("/var/lib/secops")
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "secops"


class _TomlFileSource(PydanticBaseSettingsSource):
    """Values from the TOML file named by SECOPS_CONFIG_FILE, if any."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        path = os.environ.get("SECOPS_CONFIG_FILE")
        self._data: dict[str, Any] = {}
        if path:
            try:
                self._data = tomllib.loads(Path(path).read_text())
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(f"cannot read settings file: {exc}", where=path) from exc
            for key in self._data:
                if key not in settings_cls.model_fields:
                    raise ConfigError(_unknown(key, settings_cls.model_fields), where=path)

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._data.items() if k in self.settings_cls.model_fields}


class Settings(BaseSettings):
    """Every setting of secops; environment variable = ``SECOPS_`` + upper-cased name."""

    model_config = SettingsConfigDict(env_prefix="SECOPS_", extra="forbid")

    dev_mode: bool = Field(False, description="Development mode: generated secrets, first admin")
    namespace: str = Field(
        "default",
        pattern=r"^[a-z0-9][a-z0-9_]{0,40}$",
        description="ECS data_stream.namespace; every index secops writes carries it",
    )
    state_dir: Path = Field(default_factory=_default_state_dir)
    cache_dir: Path = Field(default_factory=_default_cache_dir)

    # Elasticsearch: an external cluster when es_url is set, else the managed node (which
    # has security on and gives secops its own account; see `secops es status`).
    es_url: str | None = None
    es_api_key: SecretStr | None = Field(None, description="Encoded API key (wins over a password)")
    es_username: str | None = None
    es_password: SecretStr | None = None
    es_ca_file: Path | None = Field(None, description="CA that signed the cluster's certificate")
    es_verify_certs: bool = Field(True, description="false only in development mode")
    es_request_timeout: float = 30.0
    es_version: str = "9.5.4"
    es_port: int | None = Field(None, description="Managed node HTTP port; a free one if unset")
    es_heap: str = "1g"
    es_java_home: Path | None = None
    retention_days: int = Field(
        MIN_RETENTION_DAYS,
        ge=1,
        le=36500,
        description="Days events stay searchable; expired ones are archived, then deleted",
    )
    retention_short_accepted: bool = Field(
        False,
        description="Accept retention_days under 400 (the longest report period): the "
        "deployment knows that yearly and half-yearly reports then read the archive",
    )
    archive_repository: str = Field(
        "secops-archive",
        pattern=r"^[a-z0-9][a-z0-9_.-]{0,99}$",
        description="Snapshot repository of the archive; registered as a filesystem "
        "repository under the cluster's path.repo when missing",
    )

    # API
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    audit_refusal_summary_seconds: int = Field(
        60,
        ge=1,
        le=86400,
        description="Window per address of anonymous refused requests summarised in one entry",
    )
    api_max_body_bytes: int = Field(
        1 << 20, ge=1024, description="Largest request body of any route but ingest's"
    )
    token_signing_key: SecretStr | None = None
    audit_signing_key: SecretStr | None = None
    audit_signing_key_file: Path | None = Field(
        None, description="Ed25519 private key (PEM, mode 600); overrides audit_signing_key"
    )
    ingest_api_keys: list[SecretStr] = Field(
        default_factory=list, description="Bootstrap ingest keys until API keys are managed"
    )

    # Access control: sessions, MFA, lockout, API keys
    token_signing_key_file: Path | None = Field(
        None, description="Signing key file (owner-only permissions); wins over token_signing_key"
    )
    data_key: SecretStr | None = Field(
        None, description="Encrypts TOTP secrets at rest; derived from token_signing_key if unset"
    )
    access_token_ttl_seconds: int = Field(900, ge=30, le=3600)
    refresh_token_ttl_seconds: int = Field(12 * 3600, ge=300, le=7 * 86400)
    session_max_seconds: int = Field(
        12 * 3600,
        ge=300,
        le=30 * 86400,
        description="Absolute lifetime of a session from its login; refreshing does not extend it",
    )
    step_up_window_seconds: int = Field(300, ge=30, le=3600)
    lockout_account_threshold: int = Field(5, ge=1, description="Failures before an account locks")
    lockout_address_threshold: int = Field(20, ge=1, description="Failures before an address locks")
    lockout_max_seconds: int = Field(900, ge=1)
    trusted_proxies: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="Proxies (CIDRs, a JSON list) whose X-Forwarded-For names the client",
    )
    apikey_rotation_grace_seconds: int = Field(
        86400, ge=0, description="How long the old secret of a rotated API key stays valid"
    )

    # Collectors
    syslog_host: str = "127.0.0.1"
    syslog_udp_port: int = 5514
    syslog_tcp_port: int = 5514
    syslog_tls_port: int = 6514
    syslog_tls_cert: Path | None = None
    syslog_tls_key: Path | None = None
    syslog_tls_client_ca: Path | None = None
    tail_globs: list[str] = Field(default_factory=list)
    syslog_enabled: bool = Field(True, description="UDP and TCP syslog; TLS when cert+key are set")
    max_record_bytes: int = Field(
        64 * 1024,
        ge=1024,
        le=16 << 20,
        description="Every input (syslog, HTTP, files, imports) cuts a longer record, tagged",
    )
    syslog_max_connections: int = Field(1000, ge=1)
    syslog_max_connections_per_peer: int = Field(
        64, ge=1, description="TCP/TLS connections one address may hold, handshakes included"
    )
    syslog_tls_handshake_timeout: float = Field(10.0, gt=0)
    syslog_udp_queue_bytes: int = Field(
        32 << 20, ge=1 << 16, description="Datagrams waiting for the spool; beyond, counted drops"
    )
    syslog_idle_timeout: float = Field(300.0, gt=0, description="Seconds a silent TCP peer is kept")
    relp_port: int | None = Field(
        None, ge=0, le=65535, description="RELP listens here when set (rsyslog omrelp)"
    )
    relp_tls_port: int | None = Field(
        None, ge=0, le=65535, description="RELP over TLS when set, with the syslog TLS cert/key/CA"
    )
    tail_poll_interval: float = Field(0.25, gt=0)
    ingest_max_body_bytes: int = Field(10 << 20, ge=1024)
    ingest_rate_per_second: float = Field(50.0, gt=0, description="Requests per second per key")
    ingest_burst: int = Field(100, ge=1)
    spool_max_bytes: int = Field(1 << 30, ge=1 << 20)

    # Detection
    rule_dirs: list[Path] = Field(default_factory=list)
    detect_mapping_file: Path | None = Field(
        None, description="Extra logsource/field mapping (YAML) beside the built-in one"
    )
    detect_placeholders: dict[str, list[str]] = Field(
        default_factory=dict, description="Values of Sigma `expand` placeholders, by name"
    )
    rule_overrides_file: Path | None = Field(
        None, description="Per-rule `level`/`status` overrides (YAML: rule id or name -> values)"
    )

    # Enrichment: the calendar, the networks and the state of the enrich stage
    enrich_enabled: bool = Field(True, description="Run the enrich stage (off only to measure it)")
    timezone: str = Field("Asia/Tehran", description="IANA time zone of the working calendar")
    working_days: str = Field("sat,sun,mon,tue,wed", description="Comma-separated working days")
    working_hours: str = Field("07:00-16:00", description="Working hours, HH:MM-HH:MM")
    holidays_file: Path | None = Field(
        None, description="Holidays, one date a line (Gregorian or Solar Hijri), # comments"
    )
    internal_networks: list[IPvAnyNetwork] = Field(
        default_factory=lambda: [ip_network(n) for n in DEFAULT_INTERNAL_NETWORKS],
        description="The parliament's own networks (CIDRs, a JSON list)",
    )
    first_seen_lookback_days: int = Field(
        30, ge=1, le=3650, description="An address unseen for a person this long is new again"
    )
    first_seen_max_pairs: int = Field(
        200_000, ge=1, description="Person-address pairs remembered; least recent forgotten"
    )
    directory_refresh_seconds: float = Field(
        2.0, gt=0, le=300, description="How often the pipeline looks for a new people directory"
    )

    # Alerts: grouping, SLA, step-up, notifications
    alert_group_window_seconds: int = Field(
        300,
        ge=0,
        description="Matches of one rule and group key within it update one alert; 0 = per event",
    )
    alert_group_by: dict[str, list[str]] = Field(
        default_factory=dict, description="Rule id or name -> ECS fields grouping its alerts"
    )
    alert_max_event_ids: int = Field(200, ge=1, le=10_000)
    alert_sla_minutes: dict[Severity, int] = Field(
        default_factory=lambda: dict(DEFAULT_SLA_MINUTES),
        description="Time to acknowledge per severity",
    )
    notify_min_severity: Severity = "high"
    notify_webhook_url: str | None = None
    notify_webhook_secret: SecretStr | None = None
    notify_smtp_host: str | None = None
    notify_smtp_port: int = 25
    notify_smtp_from: str = "secops@localhost"
    notify_smtp_to: list[str] = Field(default_factory=list)
    notify_smtp_starttls: bool = False
    notify_syslog_host: str | None = None
    notify_syslog_port: int = 514
    notify_syslog_protocol: str = Field("udp", pattern=r"^(udp|tcp)$")
    notify_max_attempts: int = Field(5, ge=1, le=20)
    notify_backoff_seconds: float = Field(1.0, gt=0)
    notify_queue_size: int = Field(1000, ge=1)
    report_mail_to: list[str] = Field(
        default_factory=list,
        description="Who gets each signed report's PDFs by mail, through the SMTP relay "
        "of notify_smtp_host",
    )

    # Compliance: evaluation of the controls, the signed monthly report
    compliance_interval_minutes: int = Field(
        15, ge=1, le=1440, description="How often every compliance control is evaluated"
    )
    compliance_report_day: int = Field(
        1,
        ge=0,
        le=28,
        description="Unused since reports follow calendar periods (report_kinds); kept so "
        "configurations naming it stay valid",
    )
    # Period reports: calendar periods in `timezone`, signed when they close
    report_calendar: Literal["solar_hijri", "gregorian"] = Field(
        "solar_hijri", description="Calendar of the period reports"
    )
    report_kinds: list[ReportKind] = Field(
        default_factory=lambda: list[ReportKind](("month", "half_year")),
        description="Periods the scheduler signs a report of when they close; [] = none",
    )
    report_delay_minutes: int = Field(
        30, ge=0, le=7 * 1440, description="Wait this long after a period closes before signing"
    )
    report_targets_file: Path | None = Field(
        None, description="Targets of the report indicators (YAML) over the built-in ones"
    )
    sources_register_file: Path | None = Field(
        None, description="Register of the systems expected to send records (YAML)"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, file_secret_settings, _TomlFileSource(settings_cls))

    @model_validator(mode="after")
    def _enforce_secrets(self) -> Settings:
        missing = [
            name
            for name in _REQUIRED_SECRETS
            if getattr(self, name) is None and getattr(self, f"{name}_file", None) is None
        ]
        if missing and not self.dev_mode:
            names = ", ".join(f"SECOPS_{m.upper()} (or SECOPS_{m.upper()}_FILE)" for m in missing)
            raise ConfigError(
                f"{names} must be set (or SECOPS_DEV_MODE=1 for a development instance)"
            )
        for name in missing:
            kept = self.dev_secrets_dir / name
            if kept.is_file():
                setattr(self, name, SecretStr(kept.read_text().strip()))
                continue
            setattr(self, name, SecretStr(secrets.token_urlsafe(32)))
            log.warning(
                "DEVELOPMENT MODE: %s was generated at random (kept in %s by `secops up`). "
                "Never run like this in production.",
                name,
                self.dev_secrets_dir,
            )
        return self

    @model_validator(mode="after")
    def _enforce_es_security(self) -> Settings:
        """An external cluster outside development mode: authenticated, over verified TLS."""
        if self.dev_mode or not self.es_url:
            return self
        if self.es_api_key is None and not (self.es_username and self.es_password is not None):
            raise ConfigError(
                "SECOPS_ES_URL needs SECOPS_ES_API_KEY or SECOPS_ES_USERNAME and "
                "SECOPS_ES_PASSWORD (or SECOPS_DEV_MODE=1 for a development instance)"
            )
        if not self.es_url.lower().startswith("https://"):
            raise ConfigError(
                "SECOPS_ES_URL must be https:// outside development mode: "
                "the cluster's credentials are not sent in clear"
            )
        if not self.es_verify_certs:
            raise ConfigError(
                "SECOPS_ES_VERIFY_CERTS=false is refused outside development mode; "
                "set SECOPS_ES_CA_FILE to the CA that signed the cluster's certificate"
            )
        return self

    @model_validator(mode="after")
    def _enforce_strength(self) -> Settings:
        """Outside development mode, every key of ours holds 32 random bytes or more."""
        if self.dev_mode:
            return self
        named = [(f"SECOPS_{name.upper()}", getattr(self, name)) for name in _KEYS]
        named += [(f"SECOPS_INGEST_API_KEYS[{i}]", k) for i, k in enumerate(self.ingest_api_keys)]
        weak = [
            f"{env} {why}"
            for env, value in named
            if value is not None and (why := weakness(value.get_secret_value()))
        ]
        if weak:
            raise ConfigError(
                "; ".join(weak) + f". Use {MIN_KEY_BYTES} random bytes, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        return self

    @model_validator(mode="after")
    def _enforce_retention(self) -> Settings:
        """Events stay at least as long as the longest report period, unless accepted."""
        if self.retention_days < MIN_RETENTION_DAYS and not self.retention_short_accepted:
            raise ConfigError(
                f"SECOPS_RETENTION_DAYS={self.retention_days} is shorter than the longest "
                f"report period ({MIN_RETENTION_DAYS} days); set "
                "SECOPS_RETENTION_SHORT_ACCEPTED=true to accept it"
            )
        return self

    @model_validator(mode="after")
    def _check_calendar(self) -> Settings:
        """The working calendar must read (time zone, days, hours, every holidays line)."""
        from secops.enrich.calendar import WorkCalendar

        WorkCalendar.parse(
            timezone=self.timezone,
            working_days=self.working_days,
            working_hours=self.working_hours,
            holidays=self.holidays_file,
        )
        return self

    @property
    def dev_secrets_dir(self) -> Path:
        """Where a development instance keeps the secrets it generated."""
        return self.state_dir / "dev-secrets"

    def keep_dev_secrets(self) -> None:
        """Write generated secrets to ``dev_secrets_dir`` (owner-only) so a restart
        keeps them: tokens stay valid and the audit trail keeps verifying."""
        if not self.dev_mode:
            return
        self.dev_secrets_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        for name in _REQUIRED_SECRETS:
            value = getattr(self, name)
            path = self.dev_secrets_dir / name
            if value is None or path.exists():
                continue
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(value.get_secret_value())

    @property
    def spool_dir(self) -> Path:
        return self.state_dir / "spool" / self.namespace

    @property
    def es_home(self) -> Path:
        """Where the managed node keeps its data and logs."""
        return self.state_dir / "elasticsearch"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built on first use.

    ``SECOPS_SECRETS_DIR`` names a directory of secret files, one per setting,
    named like its environment variable in lower case (``secops_es_api_key``),
    as Docker and Kubernetes secrets are mounted.
    """
    fields = Settings.model_fields
    for name in sorted(os.environ):
        key = name.removeprefix("SECOPS_").lower()
        if name.startswith("SECOPS_") and key not in fields and not _is_process_variable(name):
            raise ConfigError(_unknown(key, fields), where=f"environment variable {name}")
    secrets_dir = os.environ.get("SECOPS_SECRETS_DIR")
    return Settings(_secrets_dir=secrets_dir) if secrets_dir else Settings()


# Variables that name where settings come from, or belong to the test suite and the
# benchmarks; every other SECOPS_* variable must be a setting.
_PROCESS_VARIABLES = ("SECOPS_CONFIG_FILE", "SECOPS_SECRETS_DIR")
_PROCESS_PREFIXES = ("SECOPS_TEST_", "SECOPS_BENCH_")


def _is_process_variable(name: str) -> bool:
    return name in _PROCESS_VARIABLES or name.startswith(_PROCESS_PREFIXES)


def _unknown(key: str, fields: dict[str, Any]) -> str:
    """A typo is refused, not ignored: name the key and the closest setting."""
    close = get_close_matches(key, list(fields), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown setting {key!r}{hint}"
