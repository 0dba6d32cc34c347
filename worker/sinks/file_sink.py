"""``file://`` sink: staged files renamed into place (atomic on POSIX)."""

from __future__ import annotations

import gzip
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from shared.errors import LogpullError
from shared.models import WindowKey
from shared.sink_reader import read_lines
from worker.sinks.base import committed_name, staged_name, staging_prefix, window_prefix


class FileSink:
    def __init__(self, root: str, compression: str = "none") -> None:
        self.root = Path(root).resolve()
        self.suffix = ".jsonl.gz" if compression == "gzip" else ".jsonl"

    def stage(self, key: WindowKey, seq: int, owner: str, data: bytes) -> str:
        name = staged_name(key, seq, owner, self.suffix)
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.suffix.endswith(".gz"):
            data = gzip.compress(data, compresslevel=5, mtime=0)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)  # the staged part must survive a power loss once checkpointed
        return name

    def publish(self, key: WindowKey, seq: int, staged: str) -> None:
        target = self.root / committed_name(key, seq, self.suffix)
        source = self.root / staged
        if not source.exists():
            if target.exists():
                return  # published before a crash: nothing to do
            raise LogpullError(f"staged part {staged} is missing and {target.name} was never published")
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, target)
        except FileNotFoundError:
            if target.exists():
                return  # another worker rolled the same part forward at the same moment
            raise
        _fsync_dir(target.parent)

    def published(self, key: WindowKey, seq: int) -> bool:
        return (self.root / committed_name(key, seq, self.suffix)).exists()

    def cleanup(self, key: WindowKey) -> None:
        shutil.rmtree(self.root / staging_prefix(key), ignore_errors=True)

    def committed_items(self, key: WindowKey) -> Iterable[dict[str, Any]]:
        prefix = self.root / window_prefix(key)
        for path in sorted(prefix.parent.glob(prefix.name + "_p*")):
            yield from read_lines(path)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
