"""The DynamoDB state store against a real HTTP endpoint (moto server, or LocalStack)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from shared.aws.state_store import LeaseUnavailable
from shared.errors import ConflictError, LeaseLost
from shared.models import Boundary, SourceMeta, WindowKey, WindowRecord

pytestmark = [pytest.mark.integration, pytest.mark.engines]  # engines: also on a DynamoDB engine
T0 = datetime(2026, 11, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def windows(n: int, source: str = "gws-login") -> list[WindowRecord]:
    return [WindowRecord(key=WindowKey(source, T0 + i * HOUR, T0 + (i + 1) * HOUR)) for i in range(n)]


def meta(version: int, watermark: datetime) -> SourceMeta:
    return SourceMeta("gws-login", watermark, T0, version=version, recorded_at=1.0)


def test_record_windows_is_one_conditional_transaction(make_stack: Callable[..., object]) -> None:
    store = make_stack().store  # type: ignore[attr-defined]
    store.record_windows(None, meta(1, T0 + 3 * HOUR), windows(3))
    assert store.get_meta("gws-login").watermark == T0 + 3 * HOUR
    # a second orchestrator that read the same (empty) state loses, and creates nothing
    with pytest.raises(ConflictError):
        store.record_windows(None, meta(1, T0 + 3 * HOUR), windows(3))
    # a stale version loses too
    with pytest.raises(ConflictError):
        store.record_windows(meta(0, T0), meta(1, T0 + 4 * HOUR), windows(4)[3:])
    assert [w.key.start for w in store.list_windows("gws-login")] == [T0, T0 + HOUR, T0 + 2 * HOUR]


def test_round_trip_of_every_field(make_stack: Callable[..., object]) -> None:
    store = make_stack().store  # type: ignore[attr-defined]
    store.record_windows(None, meta(1, T0 + HOUR), windows(1))
    record = store.acquire(windows(1)[0].key, "me", 100.0)
    full = record.evolve(version=record.version + 1, next_token="tok", pages=3, events=250,
                         boundary=Boundary("2026-11-01T00:10:00.000Z", frozenset({"a", "b"})),
                         staged=((1, "_staging/x"), (2, "_staging/y")), resume_from=T0 + timedelta(minutes=5), token_resets=1)
    store.write(full, record.version, "me")
    assert store.get_window(full.key) == full


def test_an_item_from_before_group_checkpoints_still_rolls_forward(make_stack: Callable[..., object]) -> None:
    """Items written when a checkpoint named one staged part (a string) read as that
    part, for the last page."""
    import orjson

    from shared.aws import _dynamo_codec as codec

    store = make_stack().store  # type: ignore[attr-defined]
    record = windows(1)[0].evolve(pages=3, state="running")
    item = codec.encode_window(record)
    progress = orjson.loads(item["progress"]["S"])
    progress["staged"] = "_staging/old-part"
    item["progress"] = {"S": orjson.dumps(progress).decode()}
    store._client.put_item(TableName=store._table, Item=item)  # noqa: SLF001 - an old item, as stored
    assert store.get_window(record.key).staged == ((2, "_staging/old-part"),)


def test_a_lease_is_taken_over_only_by_its_own_message_come_back(make_stack: Callable[..., object]) -> None:
    """No clock decides a takeover (a worker's clock may be a minute off another's): a
    lease whose expiry passed on any clock stays with its holder; only the message it
    works under, which SQS delivers again once the holder stopped extending it, takes
    it over."""
    store = make_stack().store  # type: ignore[attr-defined]
    store.record_windows(None, meta(1, T0 + HOUR), windows(1))
    key = windows(1)[0].key
    mine = store.acquire(key, "a", lease_until=100.0, message_id="m1")
    assert mine.lease_owner == "a" and mine.state == "running" and mine.version == 1
    with pytest.raises(LeaseUnavailable) as caught:  # a's lease "expired" long ago by b's clock
        store.acquire(key, "b", lease_until=9e9, message_id="m2")
    assert caught.value.record is not None and caught.value.record.lease_owner == "a"
    theirs = store.acquire(key, "b", lease_until=250.0, message_id="m1")  # a's message came back
    assert theirs.version == 2 and theirs.lease_owner == "b"
    # a's checkpoint is fenced off: wrong owner and stale version
    with pytest.raises(LeaseLost):
        store.write(mine.evolve(version=2, pages=1), mine.version, "a")
    assert not store.extend_lease(key, "a", 400.0)
    assert store.extend_lease(key, "b", 400.0)


def test_done_windows_cannot_be_leased_and_unknown_ones_say_so(make_stack: Callable[..., object]) -> None:
    store = make_stack().store  # type: ignore[attr-defined]
    store.record_windows(None, meta(1, T0 + HOUR), windows(1))
    key = windows(1)[0].key
    record = store.acquire(key, "a", 100.0, "m1")
    store.write(record.evolve(version=record.version + 1, state="done"), record.version, "a")
    with pytest.raises(LeaseUnavailable) as caught:
        store.acquire(key, "b", 100.0, "m1")
    assert caught.value.record is not None and caught.value.record.state == "done"
    with pytest.raises(LeaseUnavailable) as missing:
        store.acquire(WindowKey("gws-login", T0 - HOUR, T0), "b", 100.0)
    assert missing.value.record is None


def test_enqueued_mark_only_moves_contiguously(make_stack: Callable[..., object]) -> None:
    store = make_stack().store  # type: ignore[attr-defined]
    store.record_windows(None, meta(1, T0 + 2 * HOUR), windows(2))
    assert not store.advance_enqueued("gws-login", "2026-11-01T01:00:00.000Z", "2026-11-01T02:00:00.000Z")
    assert store.advance_enqueued("gws-login", "2026-11-01T00:00:00.000Z", "2026-11-01T01:00:00.000Z")
    assert store.get_meta("gws-login").enqueued_until == T0 + HOUR


def test_a_claiming_checkpoint_takes_only_an_untouched_unleased_window(make_stack: Callable[..., object]) -> None:
    from shared.aws.state_store import ClaimRefused

    store = make_stack().store  # type: ignore[attr-defined]
    store.record_windows(None, meta(1, T0 + 2 * HOUR), windows(2))
    first, second = (w.key for w in windows(2))
    mine = WindowRecord(key=first, state="running", version=1, pages=1, next_token="t", lease_owner="me",
                        lease_expiry=100.0, lease_message="m1")
    store.write(mine, 0, "me", claim=True)
    assert store.get_window(first) == mine
    with pytest.raises(ClaimRefused):  # no longer untouched
        store.write(mine.evolve(version=1), 0, "other", claim=True)
    leased = store.acquire(second, "a", lease_until=100.0)  # pending → running, leased
    with pytest.raises(ClaimRefused):  # touched and leased
        store.write(leased.evolve(lease_owner="b"), 0, "b", claim=True)
    released = leased.evolve(version=leased.version + 1, state="pending", lease_owner=None, lease_expiry=0.0)
    store.write(released, leased.version, "a")
    with pytest.raises(ClaimRefused):  # pending again, but not at version 0
        store.write(released.evolve(lease_owner="b"), 0, "b", claim=True)


def test_a_write_repeated_after_its_answer_was_lost_is_recognised(make_stack: Callable[..., object]) -> None:
    """botocore retries a request whose answer was lost; a conditional write that had
    succeeded then fails its own condition. The item equals what we wrote: success, not
    a lost lease. Another writer's write at the same version still loses."""
    store = make_stack().store  # type: ignore[attr-defined]
    store.record_windows(None, meta(1, T0 + HOUR), windows(1))
    key = windows(1)[0].key
    store.acquire(key, "me", 100.0, message_id="m1")
    mine = store.acquire(key, "me", 100.0, message_id="m1")  # the retry of the same request
    assert mine.lease_owner == "me" and mine.lease_message == "m1"
    with pytest.raises(LeaseUnavailable):
        store.acquire(key, "me", 100.0, message_id="m2")  # not the same request
    checkpoint = mine.evolve(version=mine.version + 1, next_token="t2", pages=1, events=10, lease_expiry=0.0,
                             boundary=Boundary("2026-11-01T00:50:00.000Z", frozenset({"a"})))
    store.write(checkpoint, mine.version, "me", keep_lease=True)
    store.write(checkpoint, mine.version, "me", keep_lease=True)  # the retry: no LeaseLost
    other = checkpoint.evolve(next_token="t-other")
    with pytest.raises(LeaseLost):
        store.write(other, mine.version, "me", keep_lease=True)
    assert store.get_window(key).next_token == "t2"


def test_an_older_message_cannot_lease_a_window_dispatched_again(make_stack: Callable[..., object]) -> None:
    """A continuation (or rescue) is a newer message for the window; once it leased the
    window, a stale copy of an older one (a SendMessage repeated after a lost answer)
    is refused."""
    store = make_stack().store  # type: ignore[attr-defined]
    store.record_windows(None, meta(1, T0 + HOUR), windows(1))
    key = windows(1)[0].key
    record = store.acquire(key, "a", 100.0)
    released = record.evolve(version=record.version + 1, state="pending", lease_owner=None, lease_expiry=0.0)
    store.write(released, record.version, "a")
    continued = store.acquire(key, "b", 200.0, dispatch=1)  # the continuation
    assert continued.dispatch == 1
    store.write(continued.evolve(version=continued.version + 1, state="pending", lease_owner=None,
                                 lease_expiry=0.0), continued.version, "b")
    with pytest.raises(LeaseUnavailable) as caught:
        store.acquire(key, "c", 300.0, dispatch=0)
    assert caught.value.record is not None and caught.value.record.dispatch == 1
    assert store.acquire(key, "c", 300.0, dispatch=1).lease_owner == "c"


def test_the_table_is_on_the_backend_the_run_names(make_stack: Callable[..., object], aws_endpoint: str,
                                                   dynamodb_backend: str | None) -> None:
    """On a DynamoDB engine the state table is there and not on ``aws_endpoint``, where
    the queues stay (``aws.dynamodb_endpoint_url``)."""
    from shared.aws.clients import client
    from shared.config import AwsSettings

    stack = make_stack()
    table = stack.settings.aws.table_name  # type: ignore[attr-defined]
    on_aws = client("dynamodb", AwsSettings(endpoint_url=aws_endpoint))
    try:  # (not ListTables: it answers 100 names a page, and the session's server holds more)
        on_aws.describe_table(TableName=table)
        found = True
    except on_aws.exceptions.ResourceNotFoundException:
        found = False
    assert found == (dynamodb_backend is None)
    assert stack.store.get_meta("gws-login") is None  # type: ignore[attr-defined]
