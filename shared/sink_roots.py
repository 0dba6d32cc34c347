"""Two sink roots that must not overlap: ``[sink] url`` and ``[sink] ocsf_url``."""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlsplit


def _parts(url: str) -> tuple[str, tuple[str, ...]]:
    """(scheme and bucket, path components) of a ``file://`` or ``s3://`` root."""
    if url.startswith("file://"):
        import os.path

        path = os.path.realpath(url.removeprefix("file://") or ".")  # through symlinks: where it lands
        return "file", PurePosixPath(path).parts
    split = urlsplit(url)
    return f"{split.scheme}://{split.netloc}", tuple(p for p in split.path.split("/") if p)


def check_apart(url: str, other: str, other_field: str) -> None:
    """Raise ValueError (naming ``other_field``) when ``other`` is ``url``, lies inside
    it or contains it: a consumer of one root would read the other's objects."""
    (where, path), (other_where, other_path) = _parts(url), _parts(other)
    if where != other_where:
        return
    shorter = min(len(path), len(other_path))
    if path[:shorter] == other_path[:shorter]:
        relation = "is" if path == other_path else "is inside" if len(other_path) > len(path) else "contains"
        raise ValueError(f"{other_field} {other!r} {relation} the sink url {url!r}: give it a root of its own")
