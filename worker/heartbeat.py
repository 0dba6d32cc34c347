"""Keep a running task's SQS message invisible and its window lease alive.

The lease is extended *before* the message, from a clock read before either call, so
the lease always expires before the message becomes visible again: a worker that
receives a re-delivered message finds the dead owner's lease already expired.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from shared.aws.state_store import DynamoStateStore
from shared.aws.task_queue import ReceiptHandleInvalid, SqsTaskQueue
from shared.errors import AwsError, LeaseLost
from shared.lanes import LIVE, Lane
from shared.log import get_logger
from shared.models import WindowKey

log = get_logger(__name__)


class Heartbeat:
    def __init__(
        self,
        store: DynamoStateStore,
        queue: SqsTaskQueue,
        key: WindowKey,
        owner: str,
        receipt_handle: str,
        lease_seconds: float,
        clock: Callable[[], float],
        since: float | None = None,
        lane: Lane = LIVE,  # the queue the message came from
    ) -> None:
        self._store, self._queue, self._key, self._owner = store, queue, key, owner
        self._receipt, self._lane = receipt_handle, lane
        self._lease = lease_seconds
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self.lost = threading.Event()
        self.leased = threading.Event()  # clear: only the message is kept invisible (a claim to come)
        self.leased.set()
        # the message stays invisible until _visible_from + lease (from its receipt, then each beat)
        self._visible_from = clock() if since is None else since
        self._beating = threading.Lock()  # the thread's beats and ``check``'s, one at a time
        self._gave_up = False  # the thread stopped beating (the message is no longer ours)

    def lease_until(self) -> float:
        """The longest lease that still expires before the message can reappear."""
        return self._visible_from + self._lease

    def __enter__(self) -> Heartbeat:
        self.start()
        return self

    def start(self) -> None:
        self._thread.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)

    def check(self) -> None:
        """Raise LeaseLost unless the lease is still ours as far as this worker can tell,
        cheaply: before each token and API request. Normally that is the ``lost`` flag
        alone; when the heartbeat is overdue (its last beat is more than two intervals
        old: the process was paused, e.g. SIGSTOPped, or starved), beat now, so that a
        worker that resumes after its lease was taken over spends nothing for it."""
        overdue = self._clock() > self._visible_from + self._lease * 2 / 3
        if overdue and not self.lost.is_set() and not self._gave_up and not self._stop.is_set():
            self.beat()
        if self.lost.is_set():
            raise LeaseLost("the heartbeat found the lease taken over")

    def _run(self) -> None:
        interval = max(0.2, self._lease / 3)
        # a beat is due an interval after the message was received, or last made invisible:
        # at once for a message that waited longer than that before its task began
        wait = max(0.0, self._visible_from + interval - self._clock())
        while not self._stop.wait(wait):
            if not self.beat():
                self._gave_up = True
                return
            wait = interval

    def beat(self) -> bool:
        with self._beating:
            return self._beat()

    def _beat(self) -> bool:
        now = self._clock()
        try:
            if self.leased.is_set() and not self._store.extend_lease(self._key, self._owner, now + self._lease):
                self.lost.set()
                return False
            if not self._stop.is_set():  # never undo a give-back's visibility after stop()
                self._queue.change_visibility(self._receipt, int(self._lease) + 1, self._lane)
                self._visible_from = now
        except ReceiptHandleInvalid:
            log.debug("heartbeat_stopped", reason="receipt handle no longer valid")
            return False
        except AwsError as exc:
            log.warning("heartbeat_failed", error=str(exc))
        return True
