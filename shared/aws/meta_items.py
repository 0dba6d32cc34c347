"""What a tick reads and writes of the sources' meta items beyond the watermark: every
meta in a few BatchGetItem calls (100 keys each) instead of a GetItem per source, the
settled-until mark, moved forward by one conditional update, and the scavenger's
sightings of open windows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shared.aws import _dynamo_codec as codec
from shared.aws.conditional import update_if
from shared.errors import AwsError
from shared.models import Sighting, SourceMeta
from shared.settled import SettledMark
from shared.timeutil import format_instant

BATCH_GET_KEYS = 100


def get_metas(client: Any, table: str, sources: Sequence[str]) -> dict[str, SourceMeta | None]:
    """The meta item of each source (None: not recorded yet), consistently read."""
    found: dict[str, SourceMeta | None] = dict.fromkeys(sources)
    for at in range(0, len(sources), BATCH_GET_KEYS):
        request: dict[str, Any] = {table: {"Keys": [codec.meta_key_attrs(s) for s in sources[at:at + BATCH_GET_KEYS]],
                                           "ConsistentRead": True}}
        while request:
            try:
                response = client.batch_get_item(RequestItems=request)
            except (ClientError, BotoCoreError) as exc:
                raise AwsError(f"DynamoDB batch_get_item on table {table} failed: {exc}") from exc
            for item in response.get("Responses", {}).get(table, []):
                meta = codec.decode_meta(item)
                found[meta.source] = meta
            request = response.get("UnprocessedKeys") or {}  # throttled: ask again for the rest
    return found


def advance_settled(client: Any, table: str, source: str, expected: SettledMark | None, mark: SettledMark) -> bool:
    """Set the settled mark to ``mark`` if the item still holds ``expected`` (its instant;
    None: no mark yet); False if another orchestrator moved it meanwhile. The caller
    moves it only forward (or past a mark judged under another config)."""
    values: dict[str, Any] = {":u": {"S": format_instant(mark.until)}, ":t": codec.encode_settled(mark)}
    if expected is None:
        condition = "attribute_exists(pk) AND attribute_not_exists(#until)"
    else:
        condition = "#until = :old"
        values[":old"] = {"S": format_instant(expected.until)}
    return update_if(
        client, f"DynamoDB update on table {table}",
        TableName=table, Key=codec.meta_key_attrs(source),
        UpdateExpression="SET #until = :u, #totals = :t", ConditionExpression=condition,
        ExpressionAttributeNames={"#until": codec.SETTLED_UNTIL, "#totals": codec.SETTLED},
        ExpressionAttributeValues=values,
    )


def put_sightings(client: Any, table: str, source: str, sightings: Mapping[str, Sighting]) -> bool:
    """Replace the scavenger's sightings on the source's meta item (False: no item).
    Last writer wins: every sighting is a true observation of whoever wrote it."""
    return update_if(
        client, f"DynamoDB update on table {table}",
        TableName=table, Key=codec.meta_key_attrs(source),
        UpdateExpression="SET #s = :s", ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeNames={"#s": codec.SIGHTINGS},
        ExpressionAttributeValues={":s": codec.encode_sightings(sightings)},
    )
