"""An embedded AWS emulator (moto's server, real HTTP on loopback) for demo and tests.

moto is the ``demo`` extra, not a runtime dependency: it is imported only when an
emulator starts, and ``require_emulator`` says how to install it when it is missing.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

from shared.errors import UsageError

DEMO_EXTRA = "pip install 'logpull[demo]' (from a checkout: pip install -e '.[demo]')"
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # noqa: S105 - not a secret: the emulator accepts any
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass
class Emulator:
    server: Any
    url: str

    def stop(self) -> None:
        self.server.stop()


def use_dummy_credentials() -> None:
    """The emulator accepts any credentials; set dummy ones where none are configured."""
    for name, value in DUMMY_CREDENTIALS.items():
        os.environ.setdefault(name, value)


def require_emulator() -> None:
    """Raise a UsageError naming the ``demo`` extra unless moto's server imports."""
    try:
        import moto.server  # noqa: F401, PLC0415 - the demo extra, never needed at runtime
    except ImportError as exc:
        missing = exc.name or "moto"
        raise UsageError(f"the demo's AWS emulator is not installed (no module {missing!r}): "
                         f"{DEMO_EXTRA}") from exc


def start_emulator(host: str = "127.0.0.1", port: int = 0) -> Emulator:
    import logging

    require_emulator()
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    _serialise_dynamodb()
    _back_up_tables_once_per_transaction()
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    return Emulator(server, f"http://{bound_host}:{bound_port}")


_DYNAMODB_LOCK = threading.Lock()


def _serialise_dynamodb() -> None:
    """One DynamoDB request at a time, as DynamoDB makes each request atomic.

    moto's server answers on threads and applies a request without isolation: two
    UpdateItems that create the same item both find none and the later one's new item
    replaces the earlier one's (its increments are lost), and a TransactWriteItems that
    fails restores a copy of the whole table taken before it, undoing every write other
    requests made meanwhile. Seen as budget tokens taken but not counted when four
    workers took their first tokens together (tests/integration/test_emulator_atomic.py).
    """
    from moto.dynamodb.responses import DynamoHandler  # noqa: PLC0415 - the demo extra

    if getattr(DynamoHandler.call_action, "_logpull_serialised", False):
        return
    unserialised = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with _DYNAMODB_LOCK:
            return unserialised(self)

    call_action._logpull_serialised = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]


def _back_up_tables_once_per_transaction() -> None:
    """A TransactWriteItems backs up each table it writes once, not once per item.

    moto deep-copies the whole table for every item of a transaction (all before the
    first write, so the copies are identical): a tick's transaction of 100 windows
    copied a 30-day backfill's table 100 times, seconds per tick once thousands of
    windows were recorded, while every other DynamoDB request waited (one at a time,
    above). DynamoDB's own cost does not grow with the table.
    """
    import copy  # noqa: PLC0415

    from moto.dynamodb import models as moto_models  # noqa: PLC0415 - the demo extra

    models: Any = moto_models  # its module globals are what this patches
    backend = models.DynamoDBBackend
    if getattr(backend.transact_write_items, "_logpull_once", False):
        return
    per_item = backend.transact_write_items

    class _TablesOnce:
        """``copy`` as moto's module sees it, during one transaction: a table copied
        again is the copy made first (any other object is copied as usual)."""

        def __init__(self) -> None:
            self.tables: dict[int, Any] = {}

        def deepcopy(self, value: Any, memo: Any = None) -> Any:
            if not isinstance(value, models.Table):
                return copy.deepcopy(value, memo)
            if id(value) not in self.tables:
                self.tables[id(value)] = copy.deepcopy(value, memo)
            return self.tables[id(value)]

        def __getattr__(self, name: str) -> Any:
            return getattr(copy, name)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        models.copy = _TablesOnce()  # DynamoDB requests run one at a time (above)
        try:
            per_item(self, transact_items)
        finally:
            models.copy = copy

    transact_write_items._logpull_once = True  # type: ignore[attr-defined]
    backend.transact_write_items = transact_write_items
