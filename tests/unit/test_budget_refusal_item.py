"""A refused budget take learns the item's state even when the engine does not send the
old item with the refusal (``ReturnValuesOnConditionCheckFailure`` unsupported: dynalite,
older DynamoDB Local); without it a busy budget looked idle and fair shares broke."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from shared.aws.budget_store import DynamoBudgetStore

ITEM = {"pk": {"S": "budget#k"}, "sk": {"S": "bucket"}, "tat": {"N": "150.0"}, "u#a": {"N": "7.0"}}


class RefusingClient:
    """Every conditional take is refused; the refusal carries the old item or not."""

    def __init__(self, with_item: bool) -> None:
        self.with_item, self.reads = with_item, 0

    def update_item(self, **request: Any) -> Any:
        answer: dict[str, Any] = {"Error": {"Code": "ConditionalCheckFailedException", "Message": "no"}}
        if self.with_item:
            answer["Item"] = ITEM
        raise ClientError(answer, "UpdateItem")  # type: ignore[arg-type]

    def get_item(self, **request: Any) -> Any:
        self.reads += 1
        assert request["ConsistentRead"] is True
        return {"Item": ITEM}


def take(client: RefusingClient) -> Any:
    return DynamoBudgetStore(client, "t").take("k", "a", 1, 1.0, 1.0, now=100.0, ahead=10.0)


def test_a_refusal_without_the_old_item_reads_it() -> None:
    client = RefusingClient(with_item=False)
    taken = take(client)
    assert not taken.granted
    assert taken.state.tat == 150.0 and taken.state.used == {"a": 7.0}
    assert client.reads >= 1


def test_a_refusal_with_the_old_item_needs_no_read() -> None:
    client = RefusingClient(with_item=True)
    taken = take(client)
    assert not taken.granted and taken.state.tat == 150.0
    assert client.reads == 0
