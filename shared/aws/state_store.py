"""The DynamoDB state store: per-source watermark and one item per window and pass.

Every write that moves a window forward is conditional on the window's ``version``
and the writer's lease, so a stale worker can never overwrite newer progress.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shared.aws import _dynamo_codec as codec
from shared.aws import meta_items
from shared.errors import AwsError, ConflictError, LeaseLost, ResourceMissing
from shared.models import Sighting, SourceFailure, SourceMeta, WindowKey, WindowRecord
from shared.settled import SettledMark

MAX_TRANSACTION_ITEMS = 100


def _conditional_failed(exc: ClientError) -> bool:
    code = exc.response.get("Error", {}).get("Code", "")
    return code in {"ConditionalCheckFailedException", "TransactionCanceledException"}


class DynamoStateStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    # -- sources -------------------------------------------------------------
    def get_meta(self, source: str) -> SourceMeta | None:
        item = self._get(codec.meta_key_attrs(source))
        return codec.decode_meta(item) if item else None

    def get_metas(self, sources: Sequence[str]) -> dict[str, SourceMeta | None]:
        """Every source's meta item in BatchGetItem calls of 100 (see ``meta_items``)."""
        return meta_items.get_metas(self._client, self._table, sources)

    def advance_settled(self, source: str, expected: SettledMark | None, mark: SettledMark) -> bool:
        """Move the settled mark from ``expected`` to ``mark`` (see ``meta_items``)."""
        return meta_items.advance_settled(self._client, self._table, source, expected, mark)

    def put_sightings(self, source: str, sightings: Mapping[str, Sighting]) -> bool:
        """The scavenger's sightings of the source's open windows (see ``meta_items``)."""
        return meta_items.put_sightings(self._client, self._table, source, sightings)

    def record_windows(
        self, expected: SourceMeta | None, new_meta: SourceMeta, windows: Sequence[WindowRecord]
    ) -> None:
        """Create ``windows`` and move the watermark in one transaction.

        Raises ConflictError when another orchestrator moved the watermark first or a
        window already exists, so no window is ever created twice.
        """
        if len(windows) >= MAX_TRANSACTION_ITEMS:
            raise ValueError(f"at most {MAX_TRANSACTION_ITEMS - 1} windows per transaction")
        items: list[dict[str, Any]] = [self._meta_write(expected, new_meta)]
        for window in windows:
            put = {
                "TableName": self._table,
                "Item": codec.encode_window(window),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
            items.append({"Put": put})
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if _conditional_failed(exc):
                raise ConflictError(f"source {new_meta.source}: another tick got there first") from exc
            raise self._error("transaction", exc) from exc
        except BotoCoreError as exc:
            raise self._error("transaction", exc) from exc

    def _meta_write(self, expected: SourceMeta | None, new_meta: SourceMeta) -> dict[str, Any]:
        """Create the source's meta item, or move its watermark (never its enqueued mark,
        which only ``advance_enqueued`` moves) if it is still at the version we read."""
        if expected is None:
            return {"Put": {"TableName": self._table, "Item": codec.encode_meta(new_meta),
                            "ConditionExpression": "attribute_not_exists(pk)"}}
        item = codec.encode_meta(new_meta)
        update = "SET watermark = :w, version = :nv, recorded_at = :r"
        values = {":w": item["watermark"], ":nv": item["version"], ":r": item["recorded_at"],
                  ":v": codec.n(expected.version)}
        if new_meta.enqueued_until < expected.enqueued_until:  # windows recorded before the mark (start earlier)
            update += ", enqueued_until = :e"
            values[":e"] = item["enqueued_until"]
        return {"Update": {
            "TableName": self._table,
            "Key": codec.meta_key_attrs(new_meta.source),
            "UpdateExpression": update,
            "ConditionExpression": "version = :v",
            "ExpressionAttributeValues": values,
        }}

    def advance_enqueued(self, source: str, expected: str, until: str) -> bool:
        """Move ``enqueued_until`` from ``expected`` to ``until``; False if it was elsewhere
        (an earlier range is still being enqueued by another orchestrator)."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=codec.meta_key_attrs(source),
                UpdateExpression="SET enqueued_until = :u",
                ConditionExpression="enqueued_until = :e",
                ExpressionAttributeValues={":u": {"S": until}, ":e": {"S": expected}},
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise self._error("update", exc) from exc
        return True

    def mark_source_failed(self, source: str, failure: SourceFailure) -> bool:
        """Mark the source failed (its credentials); False if it was marked already
        (the first mark, and its cause, stays) or has no meta item yet."""
        return self._conditional_update(
            source, "SET #failed = :f", "attribute_exists(pk) AND attribute_not_exists(#failed)",
            {":f": codec.encode_failure(failure)})

    def clear_source_failed(self, source: str, expected: SourceFailure | None = None) -> bool:
        """Remove the mark (only ``expected``, if given: a newer mark stays); False if
        there was none to remove."""
        if expected is None:
            return self._conditional_update(source, "REMOVE #failed", "attribute_exists(#failed)", None)
        return self._conditional_update(source, "REMOVE #failed", "#failed = :f",
                                        {":f": codec.encode_failure(expected)})

    def _conditional_update(self, source: str, update: str, condition: str,
                            values: dict[str, Any] | None) -> bool:
        kwargs: dict[str, Any] = {"ExpressionAttributeValues": values} if values else {}
        try:
            self._client.update_item(TableName=self._table, Key=codec.meta_key_attrs(source),
                                     UpdateExpression=update, ConditionExpression=condition,
                                     ExpressionAttributeNames={"#failed": codec.FAILED}, **kwargs)
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise self._error("update", exc) from exc
        except BotoCoreError as exc:
            raise self._error("update", exc) from exc
        return True

    # -- windows -------------------------------------------------------------
    def get_window(self, key: WindowKey) -> WindowRecord | None:
        item = self._get(codec.window_key_attrs(key))
        return codec.decode_window(item) if item else None

    def list_windows(self, source: str, since: str | None = None, until: str | None = None) -> Iterator[WindowRecord]:
        """Every window item of ``source`` in start order; with ``since``/``until``
        (instants) only those that start at or after ``since`` and at or before ``until``."""
        values: dict[str, Any] = {":pk": {"S": codec.source_pk(source)}}
        if since is None and until is None:
            condition = "pk = :pk AND begins_with(sk, :prefix)"
            values[":prefix"] = {"S": "win#"}
        else:
            condition = "pk = :pk AND sk BETWEEN :lo AND :hi"
            values[":lo"] = {"S": codec.window_sk(since, 0) if since else "win#"}
            values[":hi"] = {"S": codec.window_sk(until, 9) if until else "win$"}
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
        }
        while True:
            page = self._call("query", **kwargs)
            for item in page.get("Items", []):
                yield codec.decode_window(item)
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def first_window(self, source: str) -> WindowRecord | None:
        """The window item of ``source`` that starts first (one small query)."""
        return self._edge(source, "win#", "win$", forward=True)

    def window_before(self, source: str, instant: str) -> WindowRecord | None:
        """The first pass of the window of ``source`` that starts last before ``instant``."""
        return self._edge(source, "win#", codec.window_sk(instant, 0)[:-1], forward=False)

    def _edge(self, source: str, lo: str, hi: str, forward: bool) -> WindowRecord | None:
        page = self._call("query", TableName=self._table, ConsistentRead=True, Limit=2, ScanIndexForward=forward,
                          KeyConditionExpression="pk = :pk AND sk BETWEEN :lo AND :hi",
                          ExpressionAttributeValues={":pk": {"S": codec.source_pk(source)},
                                                     ":lo": {"S": lo}, ":hi": {"S": hi}})
        found = [codec.decode_window(item) for item in page.get("Items", [])]
        return next((w for w in found if w.key.pass_no == 0), None)

    def create_window(self, record: WindowRecord) -> bool:
        """Create a window item unless it exists (False then): e.g. a final pass."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=codec.encode_window(record),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise self._error("put", exc) from exc
        return True

    def acquire(self, key: WindowKey, owner: str, lease_until: float,
                message_id: str = "", dispatch: int = 0) -> WindowRecord:
        """Take the lease on an open window for a message that is not older than the
        window's latest (``dispatch``; the lease makes it the latest).

        No clock decides it (``lease_until`` is the holder's own reading, kept for
        information): a pending window is free, and a running one is taken over only by
        the message its holder works under (``message_id``), which SQS delivers again
        only once the holder stopped keeping it invisible (one clock: the queue's). A
        holder that died without its message coming back is the scavenger's to find.

        Raises LeaseLost carrying the current record (``exc.record``) when the window is
        done, failed, leased by another worker or dispatched again since; ``exc.record``
        is None when the window does not exist. A retried request whose first attempt
        took the lease but lost its answer takes it again (the same message).
        """
        condition = "#state = :pending"
        if message_id:
            condition = "(#state = :pending OR (#state = :running AND lease_message = :m))"
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=codec.window_key_attrs(key),
                UpdateExpression=(
                    "SET lease_owner = :o, lease_expiry = :le, lease_message = :m, "
                    "version = version + :one, #state = :running, dispatch = :d"
                ),
                ConditionExpression=(
                    f"attribute_exists(pk) AND {condition} "
                    "AND (attribute_not_exists(dispatch) OR dispatch <= :d)"
                ),
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":o": {"S": owner},
                    ":m": {"S": message_id},
                    ":le": codec.n(lease_until),
                    ":d": codec.n(dispatch),
                    ":one": {"N": "1"},
                    ":running": {"S": "running"},
                    ":pending": {"S": "pending"},
                },
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                old: dict[str, Any] | None = exc.response.get("Item")  # type: ignore[assignment]
                raise LeaseUnavailable(codec.decode_window(old) if old else None) from exc
            raise self._error("update", exc) from exc
        except BotoCoreError as exc:
            raise self._error("update", exc) from exc
        return codec.decode_window(response["Attributes"])

    def write(self, record: WindowRecord, expected_version: int, owner: str | None,
              keep_lease: bool = False, claim: bool = False) -> None:
        """Update the window item if it is still at ``expected_version`` under ``owner``.

        ``keep_lease`` leaves ``lease_expiry`` as the heartbeat last set it (checkpoints
        must not move the lease past the message's visibility). ``owner=None`` is for
        writers without a lease (the scavenger, operators): the version alone fences them.
        ``claim``: the write also takes the lease (``record``'s lease fields), only if the
        window is still pending (unleased) at ``expected_version``; else ClaimRefused.
        """
        names: dict[str, str] = {"#version": "version"}
        values: dict[str, Any] = {":expected": codec.n(expected_version)}
        assignments = []
        for index, (name, value) in enumerate(codec.update_attrs(record, keep_lease and not claim).items()):
            names[f"#a{index}"], values[f":a{index}"] = name, value
            assignments.append(f"#a{index} = :a{index}")
        condition = "#version = :expected"
        if claim:
            names["#state"], values[":pending"] = "state", {"S": "pending"}
            condition += " AND #state = :pending"
        elif owner:
            names["#owner"], values[":owner"] = "lease_owner", {"S": owner}
            condition += " AND #owner = :owner"
        try:
            self._client.update_item(
                TableName=self._table,
                Key=codec.window_key_attrs(record.key),
                UpdateExpression="SET " + ", ".join(assignments),
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if _conditional_failed(exc) and _already_written(exc, owner, names, values, len(assignments)):
                return  # botocore retried a write that had succeeded but whose answer was lost
            if _conditional_failed(exc) and claim:
                raise ClaimRefused(f"window {record.key} is not untouched at version {expected_version}") from exc
            if _conditional_failed(exc):
                raise LeaseLost(f"window {record.key} moved on (expected version {expected_version})") from exc
            raise self._error("write", exc) from exc
        except BotoCoreError as exc:
            raise self._error("write", exc) from exc

    def extend_lease(self, key: WindowKey, owner: str, lease_until: float) -> bool:
        """Heartbeat: push the lease expiry out; False when the lease is no longer ours."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=codec.window_key_attrs(key),
                UpdateExpression="SET lease_expiry = :le",
                ConditionExpression="lease_owner = :o AND #state = :running",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":o": {"S": owner},
                    ":le": codec.n(lease_until),
                    ":running": {"S": "running"},
                },
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise self._error("update", exc) from exc
        return True

    # -- plumbing ------------------------------------------------------------
    def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        response = self._call("get_item", TableName=self._table, Key=key, ConsistentRead=True)
        item: dict[str, Any] | None = response.get("Item")
        return item

    def _error(self, what: str, exc: Exception) -> AwsError:
        if isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return ResourceMissing(f"DynamoDB table {self._table} does not exist")
        return AwsError(f"DynamoDB {what} failed: {exc}")

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            result: dict[str, Any] = getattr(self._client, operation)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise self._error(f"{operation} on table {self._table}", exc) from exc
        return result


def _already_written(exc: ClientError, owner: str | None, names: dict[str, str], values: dict[str, Any],
                     count: int) -> bool:
    """The item as the failed condition found it holds every value this write (by
    ``owner``) sets: an earlier attempt of the same request wrote it, and only its
    answer was lost (each write sets a new version and its own progress, so another
    writer's item cannot match)."""
    old: dict[str, Any] | None = exc.response.get("Item")  # type: ignore[assignment]
    if not old:
        return False
    written = {names[f"#a{i}"]: values[f":a{i}"] for i in range(count)}
    holder = written.get("lease_owner", old.get("lease_owner"))
    if owner and holder not in ({"S": owner}, {"NULL": True}):
        return False  # a lease holder's write leaves its own name on the item (or releases it)
    return all(_same(old.get(name), value) for name, value in written.items())


def _same(stored: dict[str, Any] | None, written: dict[str, Any]) -> bool:
    if stored is None:
        return False
    if "N" in stored and "N" in written:  # DynamoDB normalises numbers ("0.0" comes back "0")
        return Decimal(stored["N"]) == Decimal(written["N"])
    return stored == written


class ClaimRefused(LeaseLost):
    """A write that was to take the lease found the window touched or leased."""


class LeaseUnavailable(LeaseLost):
    """The window cannot be leased now; ``record`` says why (None: no such window)."""

    def __init__(self, record: WindowRecord | None) -> None:
        state = record.state if record else "missing"
        super().__init__(f"window is {state}")
        self.record = record

