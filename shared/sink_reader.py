"""Reading committed sink output the way CONTRACT.md defines it (consumers' view)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def is_committed(relative_parts: tuple[str, ...]) -> bool:
    name = relative_parts[-1] if relative_parts else ""
    if any(part.startswith(("_", ".")) for part in relative_parts):
        return False
    return name.endswith((".jsonl", ".jsonl.gz"))


def iter_committed_files(root: Path) -> Iterator[Path]:
    """Every committed output file under ``root``, in path order."""
    if not root.exists():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and is_committed(path.relative_to(root).parts):
            yield path


def read_lines(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def parse_lines(data: bytes) -> Iterator[dict[str, Any]]:
    for line in data.splitlines():
        if line.strip():
            yield json.loads(line)


def iter_committed_items(root: Path) -> Iterator[dict[str, Any]]:
    for path in iter_committed_files(root):
        yield from read_lines(path)


def list_keys(client: Any, bucket: str, prefix: str) -> list[str]:
    """Every object key under ``prefix`` (all pages of ListObjectsV2)."""
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    keys: list[str] = []
    while True:
        page = client.list_objects_v2(**kwargs)
        keys.extend(item["Key"] for item in page.get("Contents", []))
        if not page.get("IsTruncated"):
            return keys
        kwargs["ContinuationToken"] = page["NextContinuationToken"]


def iter_s3_committed_items(client: Any, bucket: str, prefix: str) -> Iterator[dict[str, Any]]:
    """The committed items of an ``s3://bucket/prefix`` sink, as a consumer reads them."""
    import gzip

    root = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
    for key in sorted(list_keys(client, bucket, root)):
        if not is_committed(tuple(key[len(root):].split("/"))):
            continue
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        yield from parse_lines(gzip.decompress(body) if key.endswith(".gz") else body)
