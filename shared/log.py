"""structlog, configured once: JSON lines on stderr unless stderr is a terminal.

A process whose stderr is a pipe to a parent that prints on a terminal (``logpull
run``'s and ``demo``'s workers, under the progress display) is told so (``terminal``)
and writes console lines too: one format on the screen, JSON lines only when piped.

Per unit of work, bind ``source``, ``window`` and ``task_id`` with ``bind_task`` and end
with exactly one canonical ``task_finished`` line.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

from shared.redact import redact_event


def _import_structlog() -> Any:
    """structlog, without letting it import rich (installed for our tables): it would
    only dress up console tracebacks, and costs ~0.1 s of every command's start-up."""
    if "rich" in sys.modules:  # imported already: nothing to save
        import structlog
    else:
        sys.modules["rich"] = None  # type: ignore[assignment]  # "import rich" → ImportError
        try:
            import structlog
        finally:
            del sys.modules["rich"]
    return structlog


structlog = _import_structlog()

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
_SECRET_KEYS = ("token", "secret", "password", "private_key", "credentials", "authorization")


def _redact(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Never log whole page tokens or credentials: keep a short prefix for correlation."""
    for key, value in list(event_dict.items()):
        lowered = key.lower()
        if isinstance(value, str) and any(word in lowered for word in _SECRET_KEYS):
            event_dict[key] = (value[:6] + "…") if "token" in lowered and len(value) > 6 else "***"
    return event_dict


def configure_logging(level: str = "info", fmt: str = "auto", terminal: bool | None = None) -> None:
    """``terminal``: whether the lines end up on a terminal (default: whether stderr is one)."""
    tty = sys.stderr.isatty() if terminal is None else terminal
    use_json = fmt == "json" or (fmt == "auto" and not tty)
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=tty)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info,
            redact_event,  # secrets by value, in any string (the formatted traceback too)
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS.get(level, logging.INFO)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name) if name else structlog.get_logger()


def bind_task(**values: Any) -> None:
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(**values)


def task_fields() -> dict[str, Any]:
    """The fields ``bind_task`` bound (the current task's log context)."""
    return dict(structlog.contextvars.get_contextvars())


def clear_task() -> None:
    structlog.contextvars.clear_contextvars()
