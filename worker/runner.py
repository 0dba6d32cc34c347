"""One task run: parse the message, lease the window, page until done or out of time.

Every run ends with exactly one ``task_finished`` log line whose ``outcome`` is
``done``, ``continued``, ``retry`` or ``failed``. Nothing a task does crashes the
worker: unexpected errors hand the task back (``retry``) with its checkpoint intact.
"""

from __future__ import annotations

import math
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from shared import metrics
from shared.aws.state_store import LeaseUnavailable
from shared.aws.task_queue import Received
from shared.errors import AwsError, LeaseLost, MalformedMessage, PermanentError, RetryableError
from shared.log import bind_task, clear_task, get_logger, task_fields
from shared.models import FIRST_PASS, Boundary, TaskMessage, WindowRecord, parse_task
from shared.timeutil import format_instant, parse_instant
from worker import source_failure
from worker.context import WorkerContext
from worker.dedup import identity_hash
from worker.heartbeat import Heartbeat
from worker.pager import Pager, RunStats
from worker.sinks.ocsf_tee import OcsfTeeSink
from worker.sources.base import Source

log = get_logger("logpull.worker")
MAX_DELAY_S = 900  # SQS's longest DelaySeconds


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Outcome:
    outcome: str
    fields: dict[str, Any] = field(default_factory=dict)


class TaskRunner:
    """Runs tasks one after the other: each ends (done, continued, handed back, failed)
    before the next one is received."""

    def __init__(self, ctx: WorkerContext) -> None:
        self.ctx = ctx

    def run(self, received: Received, started: float, deadline: float) -> Outcome:
        try:
            message = parse_task(received.body)
        except MalformedMessage as exc:
            return self._finish(self._poison(received, exc), started)
        bind_task(
            source=message.source, window_start=format_instant(message.window_start),
            window_end=format_instant(message.window_end), pass_no=message.pass_no,
            task_id=message.task_id, continuation=message.continuation,
        )
        try:
            result = self._run_task(message, received, started, deadline)
        except Exception as exc:  # noqa: BLE001 - the message comes back; the worker lives on
            result = _crashed(exc)
        return self._finish(result, started)

    def _run_task(self, message: TaskMessage, received: Received, started: float, deadline: float) -> Outcome:
        ctx, owner = self.ctx, new_owner()
        lease = ctx.settings.worker.lease.total_seconds()
        try:
            _, source = ctx.source(message.source)
        except PermanentError as exc:
            return self._dead_letter(received, None, exc)
        fresh = _first_delivery(message, received)
        if _claimable(message, received):
            claimed = self._run_claiming(message, received, source, owner, started, deadline)
            if claimed is not None:
                return claimed
            fresh = False  # the window is not untouched after all (or its first page failed)
        pager = Pager(ctx, source, owner, deadline, WindowRecord(key=message.key))
        if fresh:
            pager.read_ahead()  # overlap the first page with taking the lease
        try:
            record = ctx.store.acquire(message.key, owner, started + lease, received.message_id, message.dispatch)
        except LeaseUnavailable as exc:
            pager.close()
            return self._not_ours(message, received, exc.record)
        except BaseException:
            pager.close()
            raise
        pager.adopt(record)
        heartbeat = Heartbeat(ctx.store, ctx.queue, record.key, owner, received.receipt_handle, lease, ctx.clock,
                              lane=received.lane)
        heartbeat.start()

        def resume() -> None:
            self._roll_forward(record)
            pager.exclude = self._committed_before(record, source)
            if record.boundary.spilled:
                pager.adopt_boundary(self._boundary_from_sink(record, source))

        outcome = self._page(message, received, pager, owner, heartbeat, resume)
        assert outcome is not None  # noqa: S101 - only a claim falls back
        return outcome

    def _run_claiming(self, message: TaskMessage, received: Received, source: Source, owner: str,
                      started: float, deadline: float) -> Outcome | None:
        """The common case, a new task for a window the orchestrator just made: page at
        once, and let the first checkpoint take the lease (one DynamoDB write instead of
        two before work starts). None when it could not: the window was touched or
        leased already, or paging failed before that first checkpoint; then lease it as
        usual."""
        ctx = self.ctx
        lease = ctx.settings.worker.lease.total_seconds()
        pager = Pager(ctx, source, owner, deadline, _assumed(message, received, owner, started + lease))
        heartbeat = Heartbeat(ctx.store, ctx.queue, message.key, owner, received.receipt_handle, lease, ctx.clock,
                              since=started, lane=received.lane)
        heartbeat.leased.clear()  # until the claim, it only keeps the message invisible
        pager.on_claimed = heartbeat.leased.set
        pager.lease_check = heartbeat.check  # (its read-ahead starts now)
        pager.claim(heartbeat.lease_until)
        heartbeat.start()
        return self._page(message, received, pager, owner, heartbeat, None)

    def _page(self, message: TaskMessage, received: Received, pager: Pager, owner: str,
              heartbeat: Heartbeat, resume: Callable[[], None] | None) -> Outcome | None:
        """Run the pager under the heartbeat and map how it ended to an outcome (None: a
        claim that did not happen, see _run_claiming)."""
        pager.lease_lost, pager.lease_check = heartbeat.lost, heartbeat.check
        try:
            try:
                if resume is not None:
                    resume()
                pager.run()
            finally:
                pager.close()  # a page read ahead is never left running
                heartbeat.stop()
        except Exception as exc:  # noqa: BLE001 - mapped to an outcome
            if not pager.claimed:
                log.debug("claim_not_taken", reason=f"{type(exc).__name__}: {exc}")
                return None
            return self._after_error(exc, received, pager, owner)
        if not pager.claimed and pager.out_of_budget:  # lease it, then continue (see _continue)
            return None
        if not pager.claimed:  # stopped before the first page: the task never began
            self.ctx.queue.change_visibility(received.receipt_handle, 0, received.lane)
            return Outcome("retry", {"pages": 0, "events": 0, "reason": "stop requested"})
        return self._after_paging(message, received, pager, owner)

    def _after_error(self, exc: Exception, received: Received, pager: Pager, owner: str) -> Outcome:
        if isinstance(exc, LeaseLost):
            return Outcome("retry", {**_stats(pager.stats), "reason": f"lease lost: {exc}", "error_class": "LeaseLost"})
        if isinstance(exc, PermanentError):
            return self._dead_letter(received, (pager.record, owner), exc, pager.stats)
        if isinstance(exc, RetryableError):
            return self._give_back(received, pager, owner, exc)
        log.exception("task_crashed", exc_info=exc)  # a bug or an unexpected library error
        return self._give_back(received, pager, owner, RetryableError(f"{type(exc).__name__}: {exc}"))

    def _after_paging(self, message: TaskMessage, received: Received, pager: Pager, owner: str) -> Outcome:
        record = pager.record
        if record.state == "done":
            self.ctx.sink.cleanup(record.key)
            self._ack(received)
            return Outcome("done", _stats(pager.stats, record))
        if self.ctx.stop_requested.is_set():
            return self._give_back(received, pager, owner, None)
        return self._continue(message, received, pager, owner)

    def _roll_forward(self, record: WindowRecord) -> None:
        """Publish the parts the last checkpoint accepted, if a crash left them staged;
        their OCSF halves too when ``ocsf_url`` was unset (or changed) since they were
        staged: to the root they were staged under, whose staging is then cleaned up."""
        sink = self.ctx.sink_for(record)
        for seq, staged in record.staged:
            sink.publish(record.key, seq, staged)
        if sink is not self.ctx.sink and isinstance(sink, OcsfTeeSink):
            sink.ocsf.cleanup(record.key)  # nothing more of this window is staged there

    def _committed_before(self, record: WindowRecord, source: Source) -> frozenset[str]:
        """For a final pass: identity hashes the window already committed (any pass)."""
        if record.key.pass_no == FIRST_PASS:
            return frozenset()
        for pass_no in range(record.key.pass_no):
            earlier = self.ctx.store.get_window(replace(record.key, pass_no=pass_no))
            if earlier is not None:
                self._roll_forward(earlier)
        return frozenset(identity_hash(source.identity(item)) for item in self.ctx.sink.committed_items(record.key))

    def _boundary_from_sink(self, record: WindowRecord, source: Source) -> Boundary:
        """A boundary with more ids than the window's item holds: the identities of the
        events at its instant, in the pass's parts from the page that first reached it."""
        boundary = record.boundary
        ids = frozenset(identity_hash(source.identity(item))
                        for item in self.ctx.sink.committed_items(record.key, since=boundary.since)
                        if source.ordering == "none" or source.event_time(item) == boundary.time)
        log.debug("boundary_loaded", ids=len(ids), since=boundary.since)
        return Boundary(boundary.time, ids, boundary.since)

    def _ack(self, received: Received, now: bool = False) -> None:
        """The message is finished with. Under a Lambda event source mapping the mapping
        deletes what the handler does not report as failed, so we leave it alone.
        ``now``: delete it at once rather than in a batch (which waits up to a second
        for others): a message copied to the DLQ that came back after a crash would be
        copied there again."""
        if not self.ctx.ack_messages:
            return
        if now:
            self.ctx.queue.delete(received.receipt_handle, received.lane)
        else:
            self.ctx.ack_later(received.receipt_handle, received.lane)

    def _release(self, record: WindowRecord, owner: str, **changes: Any) -> WindowRecord:
        released = record.evolve(
            version=record.version + 1, lease_owner=None, lease_expiry=0.0, lease_message=None,
            state="pending", updated_at=self.ctx.clock(), **changes,
        )
        self.ctx.store.write(released, record.version, owner)
        return released

    def _continue(self, message: TaskMessage, received: Received, pager: Pager,
                  owner: str) -> Outcome:
        """Hand the window on to a new message. After a budget yield it is delayed until
        the budget's next token is due (at most SQS's 900 s), so a tight budget costs a
        few AWS requests per API request, not a storm of continuations; the window counts
        a continuation only when this run read a page (a yield before any is no work)."""
        record = pager.record
        worked = pager.stats.pages > 0
        self._release(record, owner, continuations=record.continuations + int(worked))
        self.ctx.fault("after_release")
        delay = min(MAX_DELAY_S, math.ceil(pager.budget_wait)) if pager.out_of_budget else 0
        # the continuation's lease counts it in the window (a crash before this send
        # leaves our own message, still the window's latest, to come back); it goes back
        # to the queue this task came from: a backfill window stays in the backfill lane
        self.ctx.queue.send(message.continued(record.dispatch + 1), delay_seconds=delay,
                            lane=received.lane)
        self.ctx.fault("after_continuation_sent")
        self._ack(received)
        fields = _stats(pager.stats, record)
        if delay:
            fields["delay_s"] = delay
        return Outcome("continued", fields)

    def _give_back(self, received: Received, pager: Pager, owner: str, exc: RetryableError | None) -> Outcome:
        """Hand the task back with its checkpoint intact; it runs again after a delay."""
        record = pager.record
        if exc is not None and received.receive_count >= self.ctx.settings.aws.max_receive_count:
            gave_up = PermanentError(f"gave up after {received.receive_count} attempts: {exc}", reason="retries_exhausted")
            return self._dead_letter(received, (record, owner), gave_up, pager.stats)
        reason = str(exc) if exc else "stop requested"
        if record.state != "done":  # done stays done: its publishes are rolled forward, never re-read
            try:
                self._release(record, owner, error=str(exc) if exc else None,
                              error_class=type(exc).__name__ if exc else None)
            except LeaseLost:
                return Outcome("retry", {**_stats(pager.stats), "reason": f"{reason}; lease lost", "error_class": "LeaseLost"})
        delay = 0 if exc is None else int(min(900, max(1.0, exc.delay or 0) * received.receive_count))
        self.ctx.queue.change_visibility(received.receipt_handle, delay, received.lane)
        return Outcome("retry", {**_stats(pager.stats, record), "reason": reason, "retry_in_s": delay,
                                 "error_class": type(exc).__name__ if exc else None})

    def _not_ours(self, message: TaskMessage, received: Received, record: WindowRecord | None) -> Outcome:
        if record is None:
            unknown = PermanentError("the message names a window that was never scheduled", reason="unknown_window")
            return self._dead_letter(received, None, unknown)
        if record.state in ("done", "failed"):
            if record.state == "done":  # a crash may have left its last part staged
                self._roll_forward(record)
                self.ctx.sink.cleanup(record.key)
            self._ack(received)
            return Outcome("done", {"pages": 0, "events": 0, "skipped": f"window {record.state}"})
        if message.dispatch < record.dispatch:
            # the window was handed to a newer message since (a continuation, a rescue):
            # this one is a stale copy (e.g. a SendMessage repeated after a lost answer)
            self._ack(received)
            return Outcome("done", {"pages": 0, "events": 0, "skipped": "superseded by a newer task"})
        if record.lease_message and record.lease_message != received.message_id:
            # a duplicate task: the live lease holder works under a message of its own
            self._ack(received)
            return Outcome("done", {"pages": 0, "events": 0, "skipped": "duplicate of a leased task"})
        # leased under no message we know: look again after a lease (no clock of another
        # process is compared with ours: the scavenger frees a lease whose holder died)
        wait = math.ceil(self.ctx.settings.worker.lease.total_seconds()) + 1
        self.ctx.queue.change_visibility(received.receipt_handle, wait, received.lane)
        return Outcome("retry", {"pages": 0, "events": 0, "reason": "window leased by a live worker", "retry_in_s": wait})

    def _poison(self, received: Received, exc: MalformedMessage) -> Outcome:
        """A message that is not a task at all is handed straight back: the queue's
        redrive policy moves it to the DLQ after ``max_receive_count`` receives, exactly
        once (a copy of our own would be made twice by a worker killed between the copy
        and the delete). ``dlq list`` tells its reason from its body."""
        try:
            self.ctx.queue.change_visibility(received.receipt_handle, 0, received.lane)
        except AwsError as error:  # it comes back once its visibility timeout ends
            log.warning("hand_back_failed", error=str(error))
        return Outcome("retry", {"pages": 0, "events": 0, "reason": f"{exc.reason}: {exc.message}",
                                 "error_class": "MalformedMessage", "dead_letter": "by the queue's redrive policy"})

    def _dead_letter(self, received: Received, leased: tuple[WindowRecord, str] | None,
                     exc: PermanentError, stats: RunStats | None = None) -> Outcome:
        """DLQ first (with the reason), then mark the window failed, then let go of the
        message: a crash in between leaves a DLQ entry, never a silent failure. Bad
        credentials fail the source instead (see ``source_failure``)."""
        if source_failure.applies(exc):
            fields = source_failure.hand_back(self.ctx, received, leased, exc)
            return Outcome("failed", {**_stats(stats or RunStats()), **fields})
        error_class = type(exc.__cause__ or exc).__name__
        reason = f"{exc.reason}: {exc.message}"
        self.ctx.queue.send_to_dlq(received.body, reason, error_class)
        if leased is not None and leased[0].state != "done":  # a done window stays done (see _not_ours)
            record, owner = leased
            failed = record.evolve(
                version=record.version + 1, state="failed", lease_owner=None, lease_expiry=0.0,
                lease_message=None, error=exc.message, error_class=error_class, updated_at=self.ctx.clock(),
            )
            try:
                self.ctx.store.write(failed, record.version, owner)
            except LeaseLost:
                return Outcome("retry", {"reason": f"lease lost while failing ({reason})", "error_class": "LeaseLost"})
        self._ack(received, now=True)
        return Outcome("failed", {**_stats(stats or RunStats()), "reason": reason, "error_class": error_class})

    def _finish(self, result: Outcome, started: float) -> Outcome:
        duration = round(self.ctx.clock() - started, 3)
        emit = log.info if result.outcome in ("done", "continued") else log.warning
        emit("task_finished", outcome=result.outcome, duration_s=duration, **result.fields)
        if self.ctx.emit_metrics:
            self._metrics(result)
        if result.outcome in ("done", "failed") and self.ctx.on_window_finished is not None:
            self.ctx.on_window_finished()
        clear_task()
        return result

    def _metrics(self, result: Outcome) -> None:
        fields, bound = result.fields, task_fields()
        values: dict[str, float] = {
            "Events": fields.get("events", 0), "Pages": fields.get("pages", 0),
            "Continuations": int(result.outcome == "continued"), "Retries": fields.get("retries", 0),
            "FailedTasks": int(result.outcome == "failed"),
        }
        if bound.get("window_end"):
            values["WindowLagSeconds"] = max(0.0, self.ctx.clock() - parse_instant(str(bound["window_end"])).timestamp())
        metrics.emit(values, {"Source": str(bound.get("source", "unknown"))})


def _first_delivery(message: TaskMessage, received: Received) -> bool:
    """The window's first message (not a continuation, rescue or redrive), delivered for
    the first time: its first page is due."""
    return message.dispatch == 0 and message.continuation == 0 and received.receive_count == 1


def _claimable(message: TaskMessage, received: Received) -> bool:
    """A first delivery of a new first pass: its window is almost surely untouched."""
    return _first_delivery(message, received) and message.pass_no == FIRST_PASS


def _assumed(message: TaskMessage, received: Received, owner: str, lease_until: float) -> WindowRecord:
    """The window as the orchestrator made it, with our lease: what a claim writes over."""
    return WindowRecord(key=message.key, lease_owner=owner, lease_expiry=lease_until,
                        lease_message=received.message_id)


def _crashed(exc: Exception) -> Outcome:
    """An error no handler mapped: the message comes back (a retry), the worker lives on."""
    if not isinstance(exc, AwsError):  # AWS being unavailable is not a bug
        log.exception("task_crashed")
    return Outcome("retry", {"reason": f"{type(exc).__name__}: {exc}", "error_class": type(exc).__name__})


def _stats(stats: RunStats, record: WindowRecord | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {"pages": stats.pages, "events": stats.events}
    if stats.retries:
        fields["retries"] = stats.retries
    if stats.dropped_seen:
        fields["dropped_duplicates"] = stats.dropped_seen
    if stats.dropped_edge:
        fields["dropped_outside_window"] = stats.dropped_edge
    if stats.pages:  # where the run's time went: the API, or the checkpoints
        fields.update(api_wait_s=round(stats.api_wait_s, 3), commit_wait_s=round(stats.commit_wait_s, 3),
                      checkpoints=stats.checkpoints)
    if record is not None:
        fields.update(total_pages=record.pages, total_events=record.events, continuations=record.continuations)
    return fields
