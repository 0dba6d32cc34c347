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
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from shared.errors import ConfigError
from shared.google_apps import all_applications, check_applications, google_late_horizon
from shared.kinds import KindOptions, options_model
from shared.sink_roots import check_apart
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

# Okta: bounded queries "may miss delayed events"; delays are usually seconds to minutes.
OKTA_LATE_HORIZON = timedelta(hours=1)
BUILTIN_SOURCE_KINDS = frozenset({"google_reports", "okta_system_log", "http", "github_audit_log",
                                  "slack_audit_logs", "onepassword_events", "atlassian_org_audit",
                                  "microsoft_graph_audit"})


def registered_source_kinds() -> frozenset[str]:
    """Kinds registered as ``logpull.sources`` entry points (metadata only, no import)."""
    from importlib.metadata import entry_points

    return BUILTIN_SOURCE_KINDS | {entry.name for entry in entry_points(group="logpull.sources")}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AwsSettings(_Section):
    region: str = "us-east-1"
    endpoint_url: str | None = None  # None: boto3 honours AWS_ENDPOINT_URL itself
    # the state table's service alone (e.g. a DynamoDB engine beside an SQS/S3 emulator);
    # None: endpoint_url, or boto3's AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL
    dynamodb_endpoint_url: str | None = None
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
    ocsf_url: str | None = None  # also every committed event as OCSF, under this root
    ocsf_raw: bool = True  # each OCSF object carries the event as received (raw_data)

    @field_validator("url", "ocsf_url")
    @classmethod
    def _known_scheme(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("file://", "s3://")):
            raise ValueError(f"unsupported sink {value!r}: use file://PATH or s3://bucket/prefix")
        bucket = value.removeprefix("s3://").partition("/")[0]
        if value.startswith("s3://") and not _BUCKET.fullmatch(bucket):
            raise ValueError(f"sink {value!r}: {bucket!r} is not an S3 bucket name (use s3://bucket/prefix)")
        return value

    @model_validator(mode="after")
    def _ocsf_root_apart(self) -> SinkSettings:
        if self.ocsf_url is not None:
            check_apart(self.url, self.ocsf_url, "sink.ocsf_url")
        return self


class SourceSettings(_Section):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    kind: str = "google_reports"  # a registered source (entry point group logpull.sources)
    application: str = "login"  # google_reports: the Reports API applicationName
    # google_reports: one logical source <id>/<application> each (see expand_blocks)
    applications: Annotated[tuple[str, ...] | None, BeforeValidator(all_applications)] = None
    domain: str | None = None  # okta_system_log: your Okta domain, e.g. example.okta.com
    start: Instant
    end: Instant | None = None  # optional: stop scheduling here (a fixed backfill)
    window: Duration = timedelta(minutes=15)
    settle: Duration = timedelta(minutes=5)
    api_endpoint: str | None = None
    credentials: str = "anonymous"
    subject: str | None = None
    customer_id: str | None = None
    page_size: int = Field(default=1000, ge=1, le=100_000)  # each kind checks its own maximum
    late_horizon: Duration | None = None
    # a request budget the whole fleet shares (see README, Request budgets)
    requests_per_minute: int | None = Field(default=None, ge=2)
    quota_key: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$")
    rate_limit_share: float = Field(default=0.8, gt=0.0, le=1.0)  # Okta: pace to this share of the org's limit
    # the kind's own keys, validated by the kind's model (shared.kinds): from the block, no key
    kind_options: KindOptions | None = None

    @model_validator(mode="before")
    @classmethod
    def _kind_keys(cls, data: Any) -> Any:
        """The keys the kind's own model declares go to it (errors keep their key's name);
        its defaults of common keys (page size, request budget) fill what the block leaves out."""
        if not isinstance(data, dict):
            return data
        if "kind_options" in data and not isinstance(data["kind_options"], KindOptions):
            raise _field_error("kind_options", "unknown key")
        kind = data.get("kind", "google_reports")
        model = options_model(kind) if isinstance(kind, str) and kind not in _LEGACY_KINDS else None
        if model is None:
            return data
        own = {key: value for key, value in data.items() if key in model.model_fields}
        rest = {key: value for key, value in data.items() if key not in own}
        try:
            options = model.model_validate(own)
        except ValidationError as exc:
            raise _relocated(exc) from None
        for key, value in options.common_defaults().items():
            rest.setdefault(key, value)
        try:
            options.check_common(rest)
        except ValueError as exc:
            field, _, message = str(exc).partition(": ")
            raise _field_error(field, message) from None
        return {**rest, "kind_options": options}

    @model_validator(mode="after")
    def _quota_key_needs_a_budget(self) -> SourceSettings:
        # (an API that reports its own budget, as Okta's and a spec's rate_limit headers do,
        # names the limit itself: one org read through several kinds shares it by quota_key)
        if self.quota_key and not self.requests_per_minute and not self.reads_api_budget:
            raise ValueError("quota_key needs requests_per_minute (the budget the sources naming it share)")
        return self

    @field_validator("kind")
    @classmethod
    def _registered_kind(cls, value: str) -> str:
        known = registered_source_kinds()
        if value not in known:
            raise ValueError(f"unknown source kind {value!r}; installed: {', '.join(sorted(known))}")
        return value

    @field_validator("applications")
    @classmethod
    def _known_applications(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else check_applications(value)

    @model_validator(mode="after")
    def _applications_alone(self) -> SourceSettings:
        if self.applications is None:
            return self
        if self.kind != "google_reports":
            raise _field_error("applications", f"only a google_reports source takes applications, not {self.kind}")
        if "application" in self.model_fields_set:
            raise _field_error("applications", "give application or applications, not both")
        return self

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
        if self.kind_options is not None and self.kind_options.default_late_horizon() is not None:
            return self.kind_options.default_late_horizon() or timedelta(0)
        if self.kind == "okta_system_log":
            return OKTA_LATE_HORIZON
        return google_late_horizon(self.application)

    @property
    def block(self) -> str:
        """The id of the config block this source comes from (its own id unless the
        block lists applications: ``gws`` for ``gws/login``)."""
        return self.id.partition("/")[0]

    @property
    def stream(self) -> str | None:
        """The stream (``<block>/<stream>``) of a kind with several, else None."""
        return self.kind_options.stream if self.kind_options is not None else None

    @property
    def reads_api_budget(self) -> bool:
        """The API reports its own request budget with each response (Okta's headers, or
        a spec's ``rate_limit`` headers): the fleet's budget learns the limit from them."""
        options = self.kind_options
        return self.kind == "okta_system_log" or bool(options and options.reads_budget)

    def expand(self) -> list[SourceSettings]:
        """The logical sources of this block: itself, or one per application or stream."""
        options = self.kind_options
        names = options.stream_names() if options is not None else None
        if options is not None and names:
            return [self.model_copy(update={"id": f"{self.id}/{name}",
                                            "kind_options": options.for_stream(name)})
                    for name in names]
        if self.applications is None:
            return [self]
        return [self.model_copy(update={"id": f"{self.id}/{name}", "application": name, "applications": None})
                for name in self.applications]


_LEGACY_KINDS = frozenset({"google_reports", "okta_system_log"})  # keys still in this model


def _relocated(exc: ValidationError) -> ValidationError:
    """A kind model's errors as this model's (the key's name first in each location)."""
    details = [InitErrorDetails(type=PydanticCustomError("value_error", _message(error)),
                                loc=tuple(error.get("loc", ())), input=error.get("input"))
               for error in exc.errors()]
    return ValidationError.from_exception_data("SourceSettings", details)


def _message(error: Any) -> str:
    if error.get("type") == "extra_forbidden":
        return "unknown key"
    return str(error.get("msg", "invalid")).removeprefix("Value error, ")


def _field_error(field: str, message: str) -> ValidationError:
    """A model check's error located at ``field`` (so that it reads ``sources[0].field``)."""
    detail = InitErrorDetails(type=PydanticCustomError("value_error", message), loc=(field,), input=None)
    return ValidationError.from_exception_data("SourceSettings", [detail])


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

    @field_validator("sources")
    @classmethod
    def _expand_blocks(cls, blocks: list[SourceSettings]) -> list[SourceSettings]:
        """Unique block ids; then a block with ``applications`` becomes one source per
        application, so that everything else sees only logical sources."""
        ids = [block.id for block in blocks]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"duplicate source id(s): {', '.join(duplicated)}")
        return [source for block in blocks for source in block.expand()]

    @model_validator(mode="after")
    def _one_budget_per_quota_key(self) -> Settings:
        budgets: dict[str, set[int | None]] = {}
        for source in self.sources:
            if source.quota_key:
                budgets.setdefault(source.quota_key, set()).add(source.requests_per_minute)
        differing = sorted(key for key, values in budgets.items() if len(values) > 1)
        if differing:
            raise ValueError(f"sources naming quota_key {', '.join(differing)} give different requests_per_minute "
                             "(one budget, one limit: give them all the same)")
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
