"""The one settings object: the TOML file of CONTRACT.md, or ``LOGPULL_*`` variables.

Validated once at start-up; the rest of the code receives these objects and never reads
the environment itself. Unknown keys are errors, and every error names its field.
"""

from __future__ import annotations

import json
import re
import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from shared.errors import ConfigError
from shared.timeutil import format_duration, format_instant, parse_duration, parse_instant

Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]
Instant = Annotated[
    datetime,
    BeforeValidator(parse_instant),
    PlainSerializer(format_instant, return_type=str),
]

# Google's "Data retention and lag times" table, rounded up: how late events of each
# application may still appear. Used when a source does not set late_horizon.
GOOGLE_LATE_HORIZONS: dict[str, timedelta] = {
    "login": timedelta(hours=1),
    "admin": timedelta(hours=1),
    "saml": timedelta(hours=1),
    "user_accounts": timedelta(hours=1),
    "access_transparency": timedelta(hours=1),
    "context_aware_access": timedelta(hours=1),
    "chrome": timedelta(hours=1),
    "mobile": timedelta(hours=1),
    "rules": timedelta(hours=1),
    "calendar": timedelta(hours=4),
    "groups": timedelta(hours=4),
    "groups_enterprise": timedelta(hours=4),
    "drive": timedelta(hours=4),
    "meet": timedelta(hours=4),
    "chat": timedelta(hours=4),
    "gmail": timedelta(hours=4),
    "token": timedelta(hours=6),
    "cloud_search": timedelta(hours=6),
}
DEFAULT_LATE_HORIZON = timedelta(hours=6)
# Okta: bounded queries "may miss delayed events"; delays are usually seconds to minutes.
OKTA_LATE_HORIZON = timedelta(hours=1)
BUILTIN_SOURCE_KINDS = frozenset({"google_reports", "okta_system_log"})


def registered_source_kinds() -> frozenset[str]:
    """Kinds registered as ``logpull.sources`` entry points (metadata only, no import)."""
    from importlib.metadata import entry_points

    return BUILTIN_SOURCE_KINDS | {entry.name for entry in entry_points(group="logpull.sources")}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AwsSettings(_Section):
    region: str = "us-east-1"
    endpoint_url: str | None = None  # None: boto3 honours AWS_ENDPOINT_URL itself
    queue_name: str = "logpull-tasks"
    backfill_queue_name: str | None = None  # the backfill lane (shared.lanes); default <queue_name>-backfill
    dlq_name: str = "logpull-tasks-dlq"
    table_name: str = "logpull-state"
    max_receive_count: int = Field(default=10, ge=1, le=1000)

    @property
    def backfill_queue(self) -> str:
        return self.backfill_queue_name or f"{self.queue_name}-backfill"


class WorkerSettings(_Section):
    task_deadline: Duration = timedelta(seconds=60)
    lease: Duration = timedelta(seconds=30)
    safety_margin: Duration = timedelta(milliseconds=200)
    receive_wait: Duration = timedelta(seconds=2)
    idle_polls: int = Field(default=3, ge=1)
    # pages one checkpoint may accept when the API outpaces the state store (a crash
    # re-reads at most this many pages plus the one in hand); 1 = a write per page
    max_pages_per_checkpoint: int = Field(default=4, ge=1, le=16)
    secrets_max_age: Duration = timedelta(minutes=15)  # a secret is read again (rotation) once this old

    @field_validator("lease", "task_deadline")
    @classmethod
    def _at_least_a_second(cls, value: timedelta) -> timedelta:
        if value < timedelta(seconds=1):
            raise ValueError("must be at least 1s")
        return value


class OrchestratorSettings(_Section):
    interval: Duration = timedelta(seconds=60)
    max_windows_per_tick: int = Field(default=1000, ge=1)
    max_backlog: int = Field(default=1000, ge=1)  # enqueue while fewer tasks wait than this
    enqueue_grace: Duration = timedelta(seconds=30)


_BUCKET = re.compile(r"[a-zA-Z0-9._-]{1,255}")  # what botocore accepts (AWS's own rules are stricter)


class SinkSettings(_Section):
    url: str = "file://./logpull-out"
    compression: Literal["none", "gzip"] | None = None  # default: none for file://, gzip for s3://
    kms_key_id: str | None = None  # s3://: SSE-KMS with this key (id, ARN or alias)
    create_bucket: bool = False  # s3://: `logpull init` creates the bucket if missing

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("file://", "s3://")):
            raise ValueError(f"unsupported sink {value!r}: use file://PATH or s3://bucket/prefix")
        bucket = value.removeprefix("s3://").partition("/")[0]
        if value.startswith("s3://") and not _BUCKET.fullmatch(bucket):
            raise ValueError(f"sink {value!r}: {bucket!r} is not an S3 bucket name (use s3://bucket/prefix)")
        return value


class SourceSettings(_Section):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    kind: str = "google_reports"  # a registered source (entry point group logpull.sources)
    application: str = "login"  # google_reports: the Reports API applicationName
    domain: str | None = None  # okta_system_log: your Okta domain, e.g. example.okta.com
    start: Instant
    end: Instant | None = None  # optional: stop scheduling here (a fixed backfill)
    window: Duration = timedelta(minutes=15)
    settle: Duration = timedelta(minutes=5)
    api_endpoint: str | None = None
    credentials: str = "anonymous"
    subject: str | None = None
    customer_id: str | None = None
    page_size: int = Field(default=1000, ge=1, le=1000)
    late_horizon: Duration | None = None

    @field_validator("kind")
    @classmethod
    def _registered_kind(cls, value: str) -> str:
        known = registered_source_kinds()
        if value not in known:
            raise ValueError(f"unknown source kind {value!r}; installed: {', '.join(sorted(known))}")
        return value

    @model_validator(mode="after")
    def _okta_needs_an_address(self) -> SourceSettings:
        if self.kind == "okta_system_log" and not (self.domain or self.api_endpoint):
            raise ValueError("an okta_system_log source needs domain (or api_endpoint)")
        return self

    @field_validator("window")
    @classmethod
    def _positive_window(cls, value: timedelta) -> timedelta:
        if value < timedelta(seconds=1):
            raise ValueError("must be at least 1s")
        return value

    @model_validator(mode="after")
    def _end_after_start(self) -> SourceSettings:
        if self.end is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        return self

    @field_validator("credentials")
    @classmethod
    def _known_credentials(cls, value: str) -> str:
        if value == "anonymous" or value.split(":", 1)[0] in {"file", "secretsmanager", "ssm"}:
            return value
        raise ValueError("use anonymous, file:PATH, secretsmanager:NAME or ssm:NAME")

    @property
    def effective_late_horizon(self) -> timedelta:
        if self.late_horizon is not None:
            return self.late_horizon
        if self.kind == "okta_system_log":
            return OKTA_LATE_HORIZON
        return GOOGLE_LATE_HORIZONS.get(self.application, DEFAULT_LATE_HORIZON)


class LoggingSettings(_Section):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["auto", "json", "console"] = "auto"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LOGPULL_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    aws: AwsSettings = AwsSettings()
    worker: WorkerSettings = WorkerSettings()
    orchestrator: OrchestratorSettings = OrchestratorSettings()
    sink: SinkSettings = SinkSettings()
    logging: LoggingSettings = LoggingSettings()
    sources: list[SourceSettings] = Field(default_factory=list)
    # the sources list read at start from ssm:NAME or s3://bucket/key instead (see load_settings)
    sources_from: str | None = Field(default=None, pattern=r"^(ssm:\S+|s3://[^/\s]+/\S+)$")

    @model_validator(mode="after")
    def _unique_source_ids(self) -> Settings:
        ids = [source.id for source in self.sources]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"duplicate source id(s): {', '.join(duplicated)}")
        return self

    def source(self, source_id: str) -> SourceSettings:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise ConfigError(f"sources: no source with id {source_id!r}")


def describe_validation_error(exc: ValidationError, origin: str) -> str:
    """One line per problem, each naming its field like ``sources[0].window``."""
    problems = []
    for error in exc.errors():
        field = _field_path(error.get("loc", ()))
        message = error.get("msg", "invalid").removeprefix("Value error, ")
        if error.get("type") == "extra_forbidden":
            message = "unknown key"
        problems.append(f"{field}: {message}" if field else message)
    return f"invalid config {origin}: " + "; ".join(problems)


def _field_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


NO_CONFIG = ("no config: give a file with -c FILE or LOGPULL_CONFIG=FILE, or set LOGPULL_* variables "
             "(at least LOGPULL_SOURCES, a JSON list of source tables); see README, Configuration")


def load_settings(path: str | Path | None = None, *, require_sources: bool = False) -> Settings:
    """Read the TOML file (if given) and ``LOGPULL_*`` variables; raise ConfigError.

    With ``require_sources`` (the commands), no file and no source at all is no config:
    a ConfigError saying how to give one, rather than defaults that reach real AWS."""
    data: dict[str, Any] = {}
    origin = "(from LOGPULL_* environment variables)"
    if path is not None:
        origin = str(path)
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {path} does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, origin)) from exc
    except SettingsError as exc:  # a LOGPULL_* variable of a list or table that is not JSON
        raise ConfigError(_describe_settings_error(exc)) from None
    if settings.sources_from:
        settings = _with_sources_from(settings, data)
    if require_sources and path is None and not settings.sources:
        raise ConfigError(NO_CONFIG)
    return settings


def _with_sources_from(settings: Settings, data: dict[str, Any]) -> Settings:
    """Settings whose sources are the JSON list read from ``sources_from``."""
    from shared.aws.sources_origin import read_sources  # noqa: PLC0415 - boto3 only when used

    origin = str(settings.sources_from)
    if settings.sources:
        raise ConfigError(f"sources are given twice, in sources (LOGPULL_SOURCES) and in sources_from {origin}: "
                          "keep one (an empty list [] is fine)")
    text = read_sources(origin, settings.aws.region, settings.aws.endpoint_url)
    try:
        sources = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"invalid config: sources from {origin} are not valid JSON: {exc} "
                          "(it takes a JSON list of source tables)") from None
    if not isinstance(sources, list):
        raise ConfigError(f"invalid config: sources from {origin} are not a JSON list of source tables")
    try:
        return Settings(**{**data, "sources": sources})
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, f"(sources from {origin})")) from exc


def _describe_settings_error(exc: SettingsError) -> str:
    """Name the variable and the JSON problem, never the value (it may be long, or private)."""
    found = re.search(r'field "([^"]+)"', str(exc))
    variable = f"LOGPULL_{found.group(1).upper()}" if found else "a LOGPULL_* variable"
    cause = f": {exc.__cause__}" if isinstance(exc.__cause__, ValueError) else ""
    wanted = "a JSON list of source tables" if variable == "LOGPULL_SOURCES" else "a JSON object"
    return f"invalid config: {variable} is not valid JSON{cause} (it takes {wanted})"
