"""One error root for logpull, split by what the caller should do about it.

* ``RetryableError``: try again later (``delay`` says when, if the API told us).
* ``PermanentError``: retrying cannot help; the task goes to the DLQ with ``reason``.
* ``ConfigError`` / ``UsageError``: the operator must fix something; exit code 2.
"""

from __future__ import annotations


class LogpullError(Exception):
    """Root of every error logpull raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(LogpullError):
    """The configuration is invalid; the message names the field."""

    exit_code = 2


class UsageError(LogpullError):
    exit_code = 2


class RetryableError(LogpullError):
    """A transient failure: rate limit, 5xx, broken connection, truncated page."""

    def __init__(self, message: str, *, delay: float | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.delay = delay


class RateLimited(RetryableError):
    """The API asked us to slow down (429, or 403 with a rate-limit reason)."""


class PermanentError(LogpullError):
    """Retrying cannot help: forbidden, unauthorised, a query the API refuses."""

    def __init__(self, message: str, *, reason: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason


class TokenRejected(LogpullError):
    """The API refused a stored page token (expired or unknown)."""


class MalformedMessage(PermanentError):
    """A queue message body that is not a logpull task."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reason="malformed_message")


class LeaseLost(LogpullError):
    """Another worker owns the window now (or it moved on); stop without committing."""


class ConflictError(LogpullError):
    """A conditional write lost a race (another orchestrator or worker got there first)."""


class AwsError(LogpullError):
    """An AWS call failed for a reason other than a lost condition."""


class SinkUnwritable(LogpullError):
    """The sink cannot be written: bucket missing, access denied, path not a directory."""

    exit_code = 2


class EndpointUnreachable(LogpullError):
    """An endpoint (AWS emulator, API) did not answer at all."""


class ResourceMissing(AwsError):
    """The queue, DLQ or table does not exist (yet): ``logpull init`` creates them."""

    def __init__(self, message: str) -> None:
        super().__init__(message, hint="run `logpull init` first")

