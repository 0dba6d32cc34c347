"""One task run: parse the message, lease the window, page until done or out of time.

Every run ends with exactly one ``task_finished`` log line whose ``outcome`` is
``done``, ``continued``, ``retry`` or ``failed``.
"""

from __future__ import annotations

import os
import socket

import structlog
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from shared.aws.state_store import LeaseUnavailable
from shared.aws.task_queue import Received
from shared.errors import (
    AwsError,
    LeaseLost,
    LogpullError,
    MalformedMessage,
    PermanentError,
    RetryableError,
)
from shared.log import bind_task, clear_task, get_logger
from shared.models import FIRST_PASS, TaskMessage, WindowRecord, parse_task
from shared import metrics
from shared.timeutil import format_instant, parse_instant
from worker.context import WorkerContext
from worker.dedup import identity_hash
from worker.sources.base import Source
from worker.heartbeat import Heartbeat
from worker.pager import Pager

log = get_logger("logpull.worker")


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Outcome:
    outcome: str
    fields: dict[str, Any] = field(default_factory=dict)


class TaskRunner:
    def __init__(self, ctx: WorkerContext) -> None:
        self.ctx = ctx

    def run(self, received: Received, started: float, deadline: float) -> Outcome:
        try:
            message = parse_task(received.body)
        except MalformedMessage as exc:
            return self._finish(self._dead_letter(received, None, exc), started)
        bind_task(
            source=message.source,
            window_start=format_instant(message.window_start),
            window_end=format_instant(message.window_end),
            pass_no=message.pass_no,
            task_id=message.task_id,
            continuation=message.continuation,
        )
        try:
            result = self._run_task(message, received, started, deadline)
        except AwsError as exc:  # state store or queue unavailable: the message comes back
            result = Outcome("retry", {"reason": str(exc), "error_class": type(exc).__name__})
        return self._finish(result, started)

    def _run_task(self, message: TaskMessage, received: Received, started: float, deadline: float) -> Outcome:
        ctx, owner = self.ctx, new_owner()
        lease = ctx.settings.worker.lease.total_seconds()
        try:
            _, source = ctx.source(message.source)
            record = ctx.store.acquire(message.key, owner, started + lease, ctx.clock())
        except LeaseUnavailable as exc:
            return self._not_ours(received, exc.record)
        except PermanentError as exc:
            return self._dead_letter(received, None, exc)
        self._roll_forward(record)
        pager = Pager(ctx, source, owner, deadline, self._committed_before(record, source))
        try:
            with Heartbeat(ctx.store, ctx.queue, record.key, owner, received.receipt_handle, lease, ctx.clock):
                record = self._page_until_yield(pager, record)
        except LeaseLost as exc:
            return Outcome("retry", {**_stats(pager), "reason": f"lease lost: {exc}", "error_class": "LeaseLost"})
        except PermanentError as exc:
            return self._dead_letter(received, (record, owner), exc, pager)
        except RetryableError as exc:
            return self._give_back(received, record, owner, pager, exc)
        if record.state == "done":
            ctx.sink.cleanup(record.key)
            self._ack(received)
            return Outcome("done", _stats(pager, record))
        if ctx.stop_requested.is_set():
            return self._give_back(received, record, owner, pager, None)
        return self._continue(message, received, record, owner, pager)

    def _page_until_yield(self, pager: Pager, record: WindowRecord) -> WindowRecord:
        """Page while another page fits before the deadline (the first one of a run is
        tried whenever the safety margin is left, so a slow API still makes progress)."""
        while record.state != "done" and not pager.must_yield():
            record = pager.step(record)
        return record

    def _ack(self, received: Received) -> None:
        """The message is finished with. Under a Lambda event source mapping the mapping
        deletes what the handler does not report as failed, so we leave it alone."""
        if self.ctx.ack_messages:
            self.ctx.queue.delete(received.receipt_handle)

    def _roll_forward(self, record: WindowRecord) -> None:
        """Publish the part the last checkpoint accepted, if a crash left it staged."""
        if record.staged and record.pages > 0:
            self.ctx.sink.publish(record.key, record.pages - 1, record.staged)

    def _committed_before(self, record: WindowRecord, source: Source) -> frozenset[str]:
        """For a final pass: identity hashes the window already committed (any pass)."""
        if record.key.pass_no == FIRST_PASS:
            return frozenset()
        for pass_no in range(record.key.pass_no):
            earlier = self.ctx.store.get_window(replace(record.key, pass_no=pass_no))
            if earlier is not None:
                self._roll_forward(earlier)
        return frozenset(identity_hash(source.identity(item))
                         for item in self.ctx.sink.committed_items(record.key))

    def _release(self, record: WindowRecord, owner: str, **changes: Any) -> WindowRecord:
        released = record.evolve(
            version=record.version + 1, lease_owner=None, lease_expiry=0.0, state="pending",
            updated_at=self.ctx.clock(), **changes,
        )
        self.ctx.store.write(released, record.version, owner)
        return released

    def _continue(self, message: TaskMessage, received: Received, record: WindowRecord,
                  owner: str, pager: Pager) -> Outcome:
        ctx = self.ctx
        self._release(record, owner, continuations=record.continuations + 1)
        ctx.fault("after_release")
        ctx.queue.send(message.continued())
        ctx.fault("after_continuation_sent")
        self._ack(received)
        return Outcome("continued", _stats(pager, record))

    def _give_back(self, received: Received, record: WindowRecord, owner: str, pager: Pager,
                   exc: RetryableError | None) -> Outcome:
        """Hand the task back with its checkpoint intact; it runs again after a delay."""
        max_receives = self.ctx.settings.aws.max_receive_count
        if exc is not None and received.receive_count >= max_receives:
            gave_up = PermanentError(f"gave up after {received.receive_count} attempts: {exc}", reason="retries_exhausted")
            return self._dead_letter(received, (record, owner), gave_up, pager)
        self._release(record, owner, error=str(exc) if exc else None,
                      error_class=type(exc).__name__ if exc else None)
        delay = 0 if exc is None else int(min(900, max(1.0, exc.delay or 0) * received.receive_count))
        self.ctx.queue.change_visibility(received.receipt_handle, delay)
        reason = str(exc) if exc else "stop requested"
        return Outcome("retry", {**_stats(pager, record), "reason": reason, "retry_in_s": delay,
                                 "error_class": type(exc).__name__ if exc else None})

    def _not_ours(self, received: Received, record: WindowRecord | None) -> Outcome:
        if record is None:
            return self._dead_letter(received, None, PermanentError("the message names a window that was never scheduled", reason="unknown_window"))
        if record.state == "done":
            self._roll_forward(record)
            self.ctx.sink.cleanup(record.key)
        # done/failed: nothing left to do; live lease: its owner holds a message of its own
        self._ack(received)
        skipped = "already_done" if record.state in ("done", "failed") else "leased_by_other"
        return Outcome("done", {"pages": 0, "events": 0, "skipped": skipped, "window_state": record.state})

    def _dead_letter(self, received: Received, leased: tuple[WindowRecord, str] | None,
                     exc: PermanentError, pager: Pager | None = None) -> Outcome:
        error_class = type(exc.__cause__ or exc).__name__
        if leased is not None:
            record, owner = leased
            failed = record.evolve(
                version=record.version + 1, state="failed", lease_owner=None, lease_expiry=0.0,
                error=exc.message, error_class=error_class, updated_at=self.ctx.clock(),
            )
            try:
                self.ctx.store.write(failed, record.version, owner)
            except LeaseLost:
                return Outcome("retry", {"reason": "lease lost while failing", "error_class": "LeaseLost"})
        self.ctx.queue.send_to_dlq(received.body, f"{exc.reason}: {exc.message}", error_class)
        self._ack(received)
        stats = _stats(pager) if pager else {"pages": 0, "events": 0}
        return Outcome("failed", {**stats, "reason": f"{exc.reason}: {exc.message}", "error_class": error_class})

    def _finish(self, result: Outcome, started: float) -> Outcome:
        duration = round(self.ctx.clock() - started, 3)
        emit = log.info if result.outcome in ("done", "continued") else log.warning
        emit("task_finished", outcome=result.outcome, duration_s=duration, **result.fields)
        if self.ctx.emit_metrics:
            self._metrics(result)
        clear_task()
        return result

    def _metrics(self, result: Outcome) -> None:
        fields = result.fields
        source = str(structlog.contextvars.get_contextvars().get("source", "unknown"))
        values: dict[str, float] = {
            "Events": fields.get("events", 0), "Pages": fields.get("pages", 0),
            "Continuations": int(result.outcome == "continued"), "Retries": fields.get("retries", 0),
            "FailedTasks": int(result.outcome == "failed"),
        }
        window_end = structlog.contextvars.get_contextvars().get("window_end")
        if window_end:
            values["WindowLagSeconds"] = max(0.0, self.ctx.clock() - parse_instant(str(window_end)).timestamp())
        metrics.emit(values, {"Source": source})


def _stats(pager: Pager, record: WindowRecord | None = None) -> dict[str, Any]:
    stats: dict[str, Any] = {"pages": pager.stats.pages, "events": pager.stats.events}
    if pager.stats.retries:
        stats["retries"] = pager.stats.retries
    if record is not None:
        stats.update(total_pages=record.pages, total_events=record.events, continuations=record.continuations)
    return stats


__all__ = ["LogpullError", "Outcome", "TaskRunner", "new_owner"]
