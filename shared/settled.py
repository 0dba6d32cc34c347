"""The settled-until mark of a source: how far its windows can no longer change, and the
running totals of that prefix (what the completeness ledger would sum over it).

A window is *settled* when its first pass is done and either needs no final pass or its
final pass is done, and every window before it is settled too. Nothing in the prefix
changes again, so a tick reads windows only from the mark on and adds these totals
instead of listing the source's whole history. Plain data; the orchestrator computes it
(``orchestrator.settled``) and the state store keeps it in the source's meta item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SettledMark:
    until: datetime
    basis: str  # the config the prefix was judged under (start, late horizon): another one ignores it
    first_passes: int = 0  # done first passes in the prefix (every one of them is done)
    final_passes: int = 0  # done final passes in the prefix
    events: int = 0  # both passes
    late_events: int = 0  # final passes only
    pages: int = 0
    continuations: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"basis": self.basis, "first_passes": self.first_passes, "final_passes": self.final_passes,
                "events": self.events, "late_events": self.late_events, "pages": self.pages,
                "continuations": self.continuations}
