"""Retries of one page fetch: exponential backoff with jitter, capped, honouring
``Retry-After``, and never past the task's deadline (tenacity drives the loop)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception_type

from shared.errors import RetryableError

T = TypeVar("T")
BASE_DELAY = 0.2
MAX_DELAY = 20.0


def backoff_delay(attempt: int, hinted: float | None, rng: random.Random | None = None) -> float:
    """Full-jitter exponential backoff, at least what the API asked for."""
    rng = rng or random.Random()
    ceiling = min(MAX_DELAY, BASE_DELAY * (2 ** max(0, attempt - 1)))
    delay = rng.uniform(BASE_DELAY / 2, ceiling)
    return max(delay, hinted or 0.0)


def call_with_retries(
    fn: Callable[[], T],
    time_left: Callable[[], float],
    sleep: Callable[[float], None],
    on_retry: Callable[[RetryableError, float], None] = lambda _e, _d: None,
) -> T:
    """Call ``fn``; on RetryableError wait and retry while the wait still fits in
    ``time_left()``; otherwise re-raise the last error (the task gives itself back)."""

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hinted = exc.delay if isinstance(exc, RetryableError) else None
        return backoff_delay(state.attempt_number, hinted)

    def stop(state: RetryCallState) -> bool:
        return (state.upcoming_sleep or 0.0) >= time_left()

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetryableError):
            on_retry(exc, state.upcoming_sleep or 0.0)

    retrying = Retrying(
        retry=retry_if_exception_type(RetryableError),
        wait=wait,
        stop=stop,
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    return retrying(fn)
