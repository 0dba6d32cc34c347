"""The engine of every spec-backed kind (``http`` and the built-in vendor kinds): one
source per stream, driven by the spec's small parts (``_request``, ``_auth``,
``_paths``, ``_times``, ``_rate``)."""

from worker.sources.http._source import HttpSource, create

__all__ = ["HttpSource", "create"]
