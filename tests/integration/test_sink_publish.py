"""A committed part is written exactly once, however often it is published: every
re-publish (a retry after a lost answer, two workers rolling the same part forward, a
publish after the staged object is gone) leaves one version of each committed S3 key in
a versioned bucket, and never replaces a committed file."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from shared.aws.clients import client
from shared.errors import LogpullError
from shared.models import WindowKey
from worker.sinks.base import committed_name, staging_prefix
from worker.sinks.file_sink import FileSink
from worker.sinks.s3_sink import S3Sink

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, tzinfo=UTC)
KEY = WindowKey("gws-login", START, START + timedelta(hours=1))


def page(seq: int) -> bytes:
    return b"".join(b'{"id":{"time":"t","uniqueQualifier":"%d-%d"},"_logpull":{}}\n' % (seq, i)
                    for i in range(3))


class Faulty:
    """The real S3 client, with deterministic faults injected at the sink's calls."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.before_put: Callable[[dict[str, Any]], None] = lambda kwargs: None
        self.after_put: Callable[[dict[str, Any]], None] = lambda kwargs: None

    def put_object(self, **kwargs: Any) -> Any:
        self.before_put(kwargs)
        answer = self.real.put_object(**kwargs)
        self.after_put(kwargs)
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.fixture
def s3(make_stack: Callable[..., Any]) -> tuple[Any, S3Sink, Faulty]:
    stack = make_stack(sink="s3")
    real = client("s3", stack.settings.aws)
    faulty = Faulty(real)
    sink = S3Sink.from_url(stack.settings.sink.url, "gzip", lambda: faulty)
    real.put_bucket_versioning(Bucket=sink.bucket, VersioningConfiguration={"Status": "Enabled"})
    return real, sink, faulty


def committed_versions(real: Any, sink: S3Sink) -> dict[str, int]:
    versions = real.list_object_versions(Bucket=sink.bucket, Prefix=sink.prefix + "/")
    counts: dict[str, int] = {}
    for item in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
        if "/_" not in item["Key"]:
            counts[item["Key"]] = counts.get(item["Key"], 0) + 1
    return counts


def assert_published_once(real: Any, sink: S3Sink, seqs: range) -> None:
    names = {sink._key(committed_name(KEY, seq, sink.suffix)): seq for seq in seqs}
    assert committed_versions(real, sink) == dict.fromkeys(names, 1)
    assert list(sink.committed_items(KEY)) == [item for seq in seqs for item in _items(seq)]
    assert not sink._list(sink._key(staging_prefix(KEY))), "staged objects were left behind"


def _items(seq: int) -> list[dict[str, Any]]:
    import json

    return [json.loads(line) for line in page(seq).splitlines()]


def test_publishing_a_part_again_writes_no_second_version(s3: tuple[Any, S3Sink, Faulty]) -> None:
    real, sink, faulty = s3
    staged = [sink.stage(KEY, seq, "w1", page(seq)) for seq in range(2)]

    # the committed put lands but its answer is lost: the worker cannot tell, so the
    # staged object stays and the part is published again (the next run rolls it forward)
    def lose_answer(kwargs: dict[str, Any]) -> None:
        if "_staging" not in kwargs["Key"]:
            raise ReadTimeoutError(endpoint_url="s3")

    faulty.after_put = lose_answer
    with pytest.raises(LogpullError):
        sink.publish(KEY, 0, staged[0])
    faulty.after_put = lambda kwargs: None
    sink.publish(KEY, 0, staged[0])

    sink.publish(KEY, 1, staged[1])
    sink.publish(KEY, 1, staged[1])  # staged object gone: already published
    assert sink.published(KEY, 0) and sink.published(KEY, 1)
    assert_published_once(real, sink, range(2))


def test_a_retried_put_whose_first_answer_was_lost_counts_as_published(s3: tuple[Any, S3Sink, Faulty]) -> None:
    """What botocore does on a lost answer: send the same PutObject again (it now gets 412)."""
    real, sink, faulty = s3
    staged = sink.stage(KEY, 0, "w1", page(0))

    def retry_once(kwargs: dict[str, Any]) -> None:
        if "_staging" not in kwargs["Key"]:
            faulty.after_put = lambda kwargs: None
            faulty.put_object(**kwargs)

    faulty.after_put = retry_once
    sink.publish(KEY, 0, staged)
    assert_published_once(real, sink, range(1))


def test_two_workers_publishing_the_same_part_at_once_write_it_once(s3: tuple[Any, S3Sink, Faulty]) -> None:
    real, sink, faulty = s3
    staged = sink.stage(KEY, 0, "w1", page(0))
    both_read = threading.Barrier(2, timeout=30)

    def wait_for_the_other(kwargs: dict[str, Any]) -> None:
        if "_staging" not in kwargs["Key"]:
            both_read.wait()  # both have read the staged object; neither has written

    faulty.before_put = wait_for_the_other
    errors: list[BaseException] = []

    def publish() -> None:
        try:
            sink.publish(KEY, 0, staged)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert_published_once(real, sink, range(1))


def test_a_conditional_write_conflict_is_retried(s3: tuple[Any, S3Sink, Faulty]) -> None:
    """409 ConditionalRequestConflict: another conditional write to the key was in flight."""
    real, sink, faulty = s3
    staged = sink.stage(KEY, 0, "w1", page(0))
    conflicts = []

    def conflict_once(kwargs: dict[str, Any]) -> None:
        if "_staging" not in kwargs["Key"] and not conflicts:
            conflicts.append(kwargs["Key"])
            raise ClientError({"Error": {"Code": "ConditionalRequestConflict", "Message": "retry"},
                               "ResponseMetadata": {"HTTPStatusCode": 409}}, "PutObject")

    faulty.before_put = conflict_once
    sink.publish(KEY, 0, staged)
    assert conflicts
    assert_published_once(real, sink, range(1))


def test_a_staged_part_that_is_gone_and_never_published_is_an_error(s3: tuple[Any, S3Sink, Faulty]) -> None:
    real, sink, _ = s3
    staged = sink.stage(KEY, 0, "w1", page(0))
    real.delete_object(Bucket=sink.bucket, Key=sink._key(staged))
    with pytest.raises(LogpullError, match="publish"):
        sink.publish(KEY, 0, staged)
    assert committed_versions(real, sink) == {}


def test_a_committed_file_is_never_replaced(tmp_path: Path) -> None:
    sink = FileSink(str(tmp_path))
    staged = sink.stage(KEY, 0, "w1", page(0))
    sink.publish(KEY, 0, staged)
    target = tmp_path / committed_name(KEY, 0, ".jsonl")
    before = target.stat()

    # a crash before the staged name was removed (or a second worker with the same part)
    restaged = sink.stage(KEY, 0, "w1", page(0))
    sink.publish(KEY, 0, restaged)
    sink.publish(KEY, 0, restaged)  # staged file gone: already published
    after = target.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert target.read_bytes() == page(0)
    assert not (tmp_path / restaged).exists()
    assert list(sink.committed_items(KEY)) == _items(0)


def test_a_file_part_missing_everywhere_is_an_error(tmp_path: Path) -> None:
    sink = FileSink(str(tmp_path))
    staged = sink.stage(KEY, 0, "w1", page(0))
    (tmp_path / staged).unlink()
    with pytest.raises(LogpullError, match="never published"):
        sink.publish(KEY, 0, staged)
