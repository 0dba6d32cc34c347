"""Request budgets the whole fleet shares: one DynamoDB item per budget key in the state
table (``pk = budget#<key>``), kept as a GCRA (generic cell rate algorithm) clock.

The item holds ``tat``, the theoretical arrival time: the instant by which every token
handed out so far has been "paid for" at the budget's rate. Taking ``k`` tokens of
``interval`` seconds each moves ``tat`` on by ``k * interval``, in one conditional
UpdateItem that needs no read first and never conflicts with other takers (DynamoDB
serialises the additions): the taker may use its tokens from ``tat' - tolerance`` on
(its *slot*, which may lie a little in the future: a reservation). The condition caps
how far ahead a taker may reserve. Tokens whose slots fall in any span of ``t`` seconds
number at most ``(t + max(tolerance, k * interval)) / interval``. Writers' clocks only ever make the budget stricter:
a retried write whose first answer was lost adds its tokens twice (lost, never minted).

Per source the item also counts tokens taken (``u#<source>``) and when it last took
(``s#<source>``), so takers can tell who uses more than a fair share; the learned API
limit per minute (Okta's ``X-Rate-Limit-Limit``) is kept as ``limit``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shared.aws.conditional import update_if
from shared.errors import AwsError

SK = "bucket"


@dataclass(frozen=True)
class BucketState:
    """The item as a take found or left it (``tat`` 0: never taken from)."""

    tat: float = 0.0
    limit: int | None = None
    used: dict[str, float] = field(default_factory=dict)  # tokens taken, per source, ever
    seen: dict[str, float] = field(default_factory=dict)  # last take, per source (taker's clock)


@dataclass(frozen=True)
class Taken:
    granted: bool
    slot: float  # granted: the tokens may be used from then on
    state: BucketState


def _n(value: float) -> dict[str, str]:
    return {"N": repr(float(value))}


def decode(item: dict[str, Any] | None) -> BucketState:
    if not item:
        return BucketState()
    used = {k[2:]: float(v["N"]) for k, v in item.items() if k.startswith("u#") and "N" in v}
    seen = {k[2:]: float(v["N"]) for k, v in item.items() if k.startswith("s#") and "N" in v}
    limit = item.get("limit", {}).get("N")
    return BucketState(float(item.get("tat", {}).get("N", 0)), int(float(limit)) if limit else None, used, seen)


class DynamoBudgetStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client, self._table = client, table_name

    def _key(self, key: str) -> dict[str, Any]:
        return {"pk": {"S": f"budget#{key}"}, "sk": {"S": SK}}

    def take(self, key: str, source: str, tokens: int, interval: float, tolerance: float, now: float,
             ahead: float) -> Taken:
        """Take ``tokens`` for ``source`` if their slot is at most ``ahead`` seconds away.

        Two conditional forms: the budget is busy (``tat >= now``: add to it) or idle
        (``tat < now``: start from now); a refused form says which applies (the old item
        comes back with the refusal, so no read is needed), and the other is tried."""
        add = tokens * interval
        tolerance = max(tolerance, add)  # a batch longer than the tolerance is its own
        state = BucketState()
        for _ in range(3):
            busy = self._update(key, source, tokens, now, "SET tat = tat + :add",
                                "tat >= :now AND tat <= :most",
                                {":add": _n(add), ":most": _n(now + ahead + tolerance - add)})
            if isinstance(busy, Taken):
                return Taken(True, max(now, busy.state.tat - tolerance), busy.state)
            if busy.tat >= now:  # busy, and reserved too far ahead for us
                return Taken(False, busy.tat + add - tolerance, busy)
            idle = self._update(key, source, tokens, now, "SET tat = :start",
                                "attribute_not_exists(tat) OR tat < :now", {":start": _n(now + add)})
            if isinstance(idle, Taken):
                return Taken(True, now, idle.state)
            state = idle
        return Taken(False, now + add, state)

    def _update(self, key: str, source: str, tokens: int, now: float, assignment: str, condition: str,
                values: dict[str, Any]) -> Taken | BucketState:
        try:
            answer = self._client.update_item(
                TableName=self._table, Key=self._key(key),
                UpdateExpression=f"{assignment}, #u = if_not_exists(#u, :zero) + :k, #s = :now",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#u": f"u#{source}", "#s": f"s#{source}"},
                ExpressionAttributeValues={**values, ":now": _n(now), ":zero": _n(0), ":k": _n(tokens)},
                ReturnValues="ALL_NEW", ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                # AWS returns the old item with the refusal; engines without
                # ReturnValuesOnConditionCheckFailure (dynalite, older DynamoDB Local) return
                # none, and neither does AWS when there is no item yet: read it then
                old: dict[str, Any] | None = exc.response.get("Item")  # type: ignore[assignment]
                return decode(old) if old else self.read(key)
            raise AwsError(f"DynamoDB budget take failed: {exc}") from exc
        except BotoCoreError as exc:
            raise AwsError(f"DynamoDB budget take failed: {exc}") from exc
        return Taken(True, 0.0, decode(answer.get("Attributes")))

    def queue_place(self, key: str, interval: float, floor: float) -> float:
        """A place in line for a run that yields for want of a token: the instant, at or
        after ``floor`` (when the budget's next token is due), one ``interval`` after the
        place of the previous run that yielded (``qtat``), so that runs waiting on one
        budget are woken one token apart instead of all at its next token (of which only
        one can have it: the others would only yield again, a continuation each).
        Nothing is reserved: a woken run takes its token as any other."""
        add = {":add": _n(interval)}
        for _ in range(3):
            try:
                answer = self._client.update_item(
                    TableName=self._table, Key=self._key(key),
                    UpdateExpression="SET qtat = qtat + :add", ConditionExpression="qtat >= :floor",
                    ExpressionAttributeValues={**add, ":floor": _n(floor)},
                    ReturnValues="UPDATED_NEW")
                return float(answer["Attributes"]["qtat"]["N"]) - interval
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise AwsError(f"DynamoDB budget queue failed: {exc}") from exc
            except BotoCoreError as exc:
                raise AwsError(f"DynamoDB budget queue failed: {exc}") from exc
            if self._set_if(key, "SET qtat = :q", "attribute_not_exists(qtat) OR qtat < :floor",
                            {":q": _n(floor + interval), ":floor": _n(floor)}):
                return floor
        return floor

    def pause(self, key: str, until: float) -> bool:
        """Hand out nothing more for use before ``until`` (an API refusal, or the API
        saying its budget is nearly spent); False if the budget was paused further."""
        return self._set_if(key, "SET tat = :t", "attribute_not_exists(tat) OR tat < :t", {":t": _n(until)})

    def learn_limit(self, key: str, limit: int) -> bool:
        """Record the API's own limit per minute (e.g. Okta's ``X-Rate-Limit-Limit``)."""
        return self._set_if(key, "SET #l = :l", "attribute_not_exists(#l) OR #l <> :l", {":l": {"N": str(limit)}},
                            {"#l": "limit"})

    def read(self, key: str) -> BucketState:
        try:
            answer = self._client.get_item(TableName=self._table, Key=self._key(key), ConsistentRead=True)
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"DynamoDB budget read failed: {exc}") from exc
        return decode(answer.get("Item"))

    def _set_if(self, key: str, update: str, condition: str, values: dict[str, Any],
                names: dict[str, str] | None = None) -> bool:
        return update_if(self._client, "DynamoDB budget update", TableName=self._table, Key=self._key(key),
                         UpdateExpression=update, ConditionExpression=condition, ExpressionAttributeValues=values,
                         **({"ExpressionAttributeNames": names} if names else {}))

