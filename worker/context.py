"""Everything a worker needs, built once per process (or Lambda container)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shared.aws.clients import client
from shared.aws.budget_store import DynamoBudgetStore
from shared.aws.state_store import DynamoStateStore
from shared.aws.task_queue import SqsTaskQueue
from shared.config import Settings, SourceSettings
from shared.errors import PermanentError
from shared.lanes import LIVE, Lane
from shared.models import WindowRecord
from worker.acker import Acker
from worker.budget import Gate, budget_key
from worker.sinks import open_sink
from worker.sinks.base import Sink
from worker.sources.base import Source
from worker.sources.serial import OneAtATime


# Called with a fault point name; tests raise from it to simulate a crash there.
FaultHook = Callable[[str], None]


def _no_fault(_: str) -> None:
    return None


@dataclass
class WorkerContext:
    settings: Settings
    store: DynamoStateStore
    queue: SqsTaskQueue
    sink: Sink
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    fault: FaultHook = _no_fault
    stop_requested: threading.Event = field(default_factory=threading.Event)
    ack_messages: bool = True  # False under a Lambda event source mapping (it deletes)
    emit_metrics: bool = False  # CloudWatch EMF lines on stdout (Lambda)
    busy: bool = False  # a task is running (SIGTERM then waits for its page)
    on_window_finished: Callable[[], None] | None = None  # a task ended its window (done or failed)
    # how long a page and a checkpoint take here lately (moving averages over tasks; 0: unknown)
    page_s: float = 0.0
    checkpoint_s: float = 0.0
    # how far past its deadline a run that has committed nothing new yet may read on (to
    # get through the overlap a resumed run re-reads); 0 where the deadline is hard (Lambda)
    overrun_s: float = 600.0
    _local: threading.local = field(default_factory=threading.local)
    _generations: dict[str, int] = field(default_factory=dict)  # bumped by forget_source
    _acker: Acker = field(init=False)  # its thread starts with the first receipt
    budgets: DynamoBudgetStore | None = None  # the shared request budgets (built when first needed)
    _gates: dict[str, Gate | None] = field(default_factory=dict)
    _gates_lock: threading.Lock = field(default_factory=threading.Lock)
    _rolling: dict[str, Sink] = field(default_factory=dict)  # pairs for OCSF roots no longer set

    def __post_init__(self) -> None:
        self._acker = Acker(self.queue)

    def ack_later(self, receipt_handle: str, lane: Lane = LIVE) -> None:
        """Delete a finished task's message (from the lane's queue) in the background
        (see ``Acker``); ``flush_acks`` deletes what is left and waits."""
        self._acker.add(receipt_handle, lane)

    def flush_acks(self) -> None:
        self._acker.flush()

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> WorkerContext:
        store = DynamoStateStore(client("dynamodb", settings.aws), settings.aws.table_name)
        queue = SqsTaskQueue(client("sqs", settings.aws), settings.aws.queue_name,
                             settings.aws.dlq_name, settings.aws.backfill_queue)
        sink = open_sink(settings.sink, lambda: client("s3", settings.aws))
        return cls(settings=settings, store=store, queue=queue, sink=sink, **overrides)

    def sink_for(self, record: WindowRecord) -> Sink:
        """The sink that publishes the parts ``record``'s checkpoint accepted: ours, or
        when they were staged with an OCSF root this worker does not write (``ocsf_url``
        unset or changed since), a pair for that root, so their OCSF halves are published
        there rather than left in its staging."""
        root = record.ocsf_root
        if root is None or not record.staged or getattr(self.sink, "ocsf_url", None) == root:
            return self.sink
        if root not in self._rolling:
            self._rolling[root] = open_sink(self.settings.sink,
                                            lambda: client("s3", self.settings.aws), ocsf_root=root)
        return self._rolling[root]

    def source(self, source_id: str) -> tuple[SourceSettings, Source]:
        matches = [s for s in self.settings.sources if s.id == source_id]
        if not matches:
            raise PermanentError(f"no source {source_id!r} in this worker's config", reason="unknown_source")
        # one client per thread that asks (a Lambda batch's records page in parallel); a
        # task's pager may use it from its own threads too, so it fetches one page at a time.
        # One built with a secret is built again (the secret read again) once it is
        # ``secrets_max_age`` old, or after ``forget_source``: a rotated secret is picked up.
        sources: dict[str, _Built] = self._local.__dict__.setdefault("sources", {})
        built, now = sources.get(source_id), self.clock()
        generation = self._generations.get(source_id, 0)
        if built is not None and built.generation == generation and not self._too_old(matches[0], built, now):
            return matches[0], built.source
        if built is not None and built.generation == generation:  # too old: read the secret again
            _forget_secret(matches[0], self.settings)
        sources[source_id] = built = _Built(OneAtATime(build_source(matches[0], self.settings)), now, generation)
        return matches[0], built.source

    def _too_old(self, source: SourceSettings, built: _Built, now: float) -> bool:
        max_age = self.settings.worker.secrets_max_age.total_seconds()
        return source.credentials != "anonymous" and now - built.at >= max_age

    def gate(self, source_id: str) -> Gate | None:
        """The request budget this source's requests take from (None: unpaced); one
        per source in this process, shared by its threads."""
        with self._gates_lock:
            if source_id not in self._gates:
                self._gates[source_id] = self._new_gate(source_id)
            return self._gates[source_id]

    def _new_gate(self, source_id: str) -> Gate | None:
        source = next((s for s in self.settings.sources if s.id == source_id), None)
        key = budget_key(source) if source is not None else None
        if source is None or key is None:
            return None
        if self.budgets is None:
            self.budgets = DynamoBudgetStore(client("dynamodb", self.settings.aws), self.settings.aws.table_name)
        return Gate(self.budgets, key, source, self.clock, self.sleep, self.stop_requested)

    def forget_source(self, source_id: str) -> None:
        """Build this source's clients again, reading its secret again (every thread)."""
        self._generations[source_id] = self._generations.get(source_id, 0) + 1
        for source in self.settings.sources:
            if source.id == source_id:
                _forget_secret(source, self.settings)


@dataclass(frozen=True)
class _Built:
    source: Source
    at: float  # when it was built (``WorkerContext.clock``)
    generation: int


def _forget_secret(source: SourceSettings, settings: Settings) -> None:
    from worker.secrets import cache_for

    kind, _, ref = source.credentials.partition(":")
    if ref:
        cache_for(settings.aws).forget(kind, ref)


def build_source(source: SourceSettings, settings: Settings) -> Source:
    from worker.secrets import SecretLoader
    from worker.sources.registry import factory_for

    built: Source = factory_for(source.kind)(source, SecretLoader(settings.aws))
    return built
