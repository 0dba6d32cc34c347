"""``Sink.probe()``: writes and deletes a private object, or says in one line which sink
cannot be written and why (exit code 2: the operator must fix the sink)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from shared.aws.clients import client
from shared.errors import SinkUnwritable
from worker.sinks.file_sink import FileSink
from worker.sinks.s3_sink import S3Sink

pytestmark = pytest.mark.integration


def test_probe_of_a_writable_s3_sink_leaves_nothing(make_stack: Callable[..., Any]) -> None:
    stack = make_stack(sink="s3")
    real = client("s3", stack.settings.aws)
    sink = S3Sink.from_url(stack.settings.sink.url, "gzip", lambda: real)
    sink.probe()
    assert real.list_objects_v2(Bucket=sink.bucket).get("KeyCount") == 0


def test_probe_of_a_missing_bucket_names_the_sink_and_the_cause(make_stack: Callable[..., Any]) -> None:
    stack = make_stack()
    url = "s3://logpull-no-such-bucket-4f1e/audit"
    sink = S3Sink.from_url(url, "gzip", lambda: client("s3", stack.settings.aws))
    with pytest.raises(SinkUnwritable) as caught:
        sink.probe()
    message = str(caught.value)
    assert url in message and "does not exist" in message and "\n" not in message
    assert caught.value.exit_code == 2


def test_probe_of_a_bucket_that_refuses_access_says_so(make_stack: Callable[..., Any]) -> None:
    stack = make_stack(sink="s3")
    real = client("s3", stack.settings.aws)

    class Refusing:
        def put_object(self, **kwargs: Any) -> Any:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"},
                               "ResponseMetadata": {"HTTPStatusCode": 403}}, "PutObject")

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    sink = S3Sink.from_url(stack.settings.sink.url, "gzip", Refusing)
    with pytest.raises(SinkUnwritable, match="access denied"):
        sink.probe()


def test_probe_of_a_writable_directory_leaves_nothing(tmp_path: Path) -> None:
    root = tmp_path / "out" / "new"  # created on first use, like stage does
    FileSink(str(root)).probe()
    assert root.is_dir() and list(root.iterdir()) == []


def test_probe_of_a_path_under_a_regular_file_names_the_sink_and_the_cause(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    root = tmp_path / "a-file" / "out"
    with pytest.raises(SinkUnwritable) as caught:
        FileSink(str(root)).probe()
    message = str(caught.value)
    assert f"file://{root}" in message and "Not a directory" in message and "\n" not in message
    assert caught.value.exit_code == 2


def test_probe_of_a_root_that_is_a_regular_file_fails(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    with pytest.raises(SinkUnwritable, match="a-file is not a directory"):
        FileSink(str(tmp_path / "a-file")).probe()
