"""A sink that writes every part twice: raw under ``url``, OCSF under ``ocsf_url``.

The pair follows the raw sink's protocol (see worker.sinks.base) as one part:

* a page's OCSF part is staged (``stage_normalised``) before its raw part, and the
  checkpoint waits for both, so a checkpoint that names a staged part implies both;
* ``publish`` publishes the OCSF part first, then the raw one, each written once; a
  crash between them leaves the raw part staged and named in the checkpoint, so the
  roll-forward that publishes it publishes the OCSF part again first (a no-op);
* ``published`` holds only when both are, so a window is caught up only then.

A part staged before ``ocsf_url`` was set has no OCSF half: its publish (a roll-forward)
logs ``ocsf_part_missing`` and publishes the raw half alone. A checkpoint names the OCSF
root its parts were staged with (``WindowRecord.ocsf_root``): a roll-forward after
``ocsf_url`` was unset or changed publishes them through a pair for that root
(``open_sink(..., ocsf_root=...)``) and removes what is left in its staging.

The OCSF part's staged name is the raw one's with the OCSF sink's suffix (the two roots
may compress differently); its committed name is the raw one's too, under its own root.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from shared.errors import LogpullError
from shared.log import get_logger
from shared.models import WindowKey
from worker.ocsf import normalise
from worker.sinks.base import Sink, staged_name
from worker.sources.base import Event

log = get_logger(__name__)


class OcsfRoot(Sink, Protocol):
    """The OCSF root: a sink that can also tell whether a staged name holds a part."""

    def holds(self, name: str) -> bool: ...


class OcsfTeeSink:
    def __init__(self, raw: Sink, ocsf: OcsfRoot, raw_suffix: str, ocsf_suffix: str, *,
                 raw_data: bool = True, ocsf_url: str | None = None) -> None:
        self.raw, self.ocsf = raw, ocsf
        self.ocsf_url = ocsf_url  # the OCSF root's url, which a checkpoint names with its parts
        self._raw_suffix, self._ocsf_suffix = raw_suffix, ocsf_suffix
        self.raw_data = raw_data

    def stage_normalised(self, key: WindowKey, seq: int, owner: str, events: Iterable[Event],
                         mapping: str | None = None) -> str:
        """Stage the OCSF part of page ``seq`` (the events of its raw part, in order);
        ``mapping``: the source's mapping name (``worker.ocsf.MAPPINGS``)."""
        staged = self.ocsf.stage(key, seq, owner, normalise(events, key.source, self.raw_data, mapping))
        if staged != staged_name(key, seq, owner, self._ocsf_suffix):
            raise AssertionError(f"OCSF part staged as {staged}, not under the raw part's name")
        return staged

    def stage(self, key: WindowKey, seq: int, owner: str, data: bytes) -> str:
        return self.raw.stage(key, seq, owner, data)

    def _ocsf_staged(self, staged: str) -> str:
        return staged.removesuffix(self._raw_suffix) + self._ocsf_suffix

    def publish(self, key: WindowKey, seq: int, staged: str) -> None:
        ocsf_staged = self._ocsf_staged(staged)
        try:
            self.ocsf.publish(key, seq, ocsf_staged)
        except LogpullError:
            if self.ocsf.published(key, seq) or self.ocsf.holds(ocsf_staged):
                raise  # its OCSF half is there: a real failure, retried like any publish
            # a part staged before ocsf_url was set (a crash left it for the roll-forward):
            # it has no OCSF half; publish its raw half rather than hold the window up
            log.warning("ocsf_part_missing", source=key.source, window_start=key.start.isoformat(), seq=seq)
        self.raw.publish(key, seq, staged)

    def published(self, key: WindowKey, seq: int) -> bool:
        return self.raw.published(key, seq) and self.ocsf.published(key, seq)

    def probe(self) -> None:
        self.raw.probe()
        self.ocsf.probe()  # its SinkUnwritable names the OCSF root's url

    def cleanup(self, key: WindowKey) -> None:
        self.ocsf.cleanup(key)
        self.raw.cleanup(key)

    def committed_items(self, key: WindowKey, since: int | None = None) -> Iterable[dict[str, Any]]:
        return self.raw.committed_items(key, since)
