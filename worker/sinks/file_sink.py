"""``file://`` sink: staged files hard-linked into place, never over a committed file.

``publish`` links the staged file to its committed name (atomic on POSIX, and unlike a
rename it fails instead of replacing an existing file), then unlinks the staged name. A
re-publish (after a crash between the two, or by a second worker rolling the same part
forward) finds the committed name taken and only removes the staged one: a committed
file is written once, so a tailing shipper never sees it replaced (a new inode that it
would ship again).
"""

from __future__ import annotations

import errno
import gzip
import os
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from shared.errors import LogpullError, SinkUnwritable
from shared.models import WindowKey
from shared.sink_reader import read_lines
from worker.sinks.base import committed_name, part_wanted, staged_name, staging_prefix, window_prefix


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
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            _link_no_replace(source, target)
        except FileExistsError:
            pass  # published before (a crash before the unlink, or another worker)
        except FileNotFoundError:
            if target.exists():
                return  # published and the staged file removed before a crash
            raise LogpullError(f"staged part {staged} is missing and {target.name} was never published") from None
        _fsync_dir(target.parent)
        source.unlink(missing_ok=True)

    def published(self, key: WindowKey, seq: int) -> bool:
        return (self.root / committed_name(key, seq, self.suffix)).exists()

    def holds(self, name: str) -> bool:
        """An object (e.g. a staged part) is there under ``name``."""
        return (self.root / name).exists()

    def cleanup(self, key: WindowKey) -> None:
        shutil.rmtree(self.root / staging_prefix(key), ignore_errors=True)

    def probe(self) -> None:
        """Write and delete a small private file; raise ``SinkUnwritable`` if either fails."""
        path = self.root / f"_probe-{uuid.uuid4().hex}"  # "_": consumers ignore it
        if self.root.exists() and not self.root.is_dir():
            raise SinkUnwritable(f"sink file://{self.root} is not writable: {self.root} is not a directory")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"logpull probe\n")
            path.unlink()
        except OSError as exc:
            cause = f"{exc.strerror}: {exc.filename}" if exc.strerror and exc.filename else str(exc)
            raise SinkUnwritable(f"sink file://{self.root} is not writable: {cause}") from None

    def committed_items(self, key: WindowKey, since: int | None = None) -> Iterable[dict[str, Any]]:
        prefix = self.root / window_prefix(key)
        for path in sorted(prefix.parent.glob(prefix.name + "_p*")):
            if part_wanted(path.name, key, since):
                yield from read_lines(path)


def _link_no_replace(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        # no hard links on this file system: a rename, unless the name is taken already
        # (a race with another worker could still replace it: prefer a POSIX file system)
        if target.exists():
            raise FileExistsError(errno.EEXIST, "committed part exists", str(target)) from None
        os.replace(source, target)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
