"""A page's times made canonical at once: the same as ``canonical_instant`` item by item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.timeutil import canonical_instant
from worker.sources.base import canonical_times

instants = st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC))


def spellings(moment: datetime) -> st.SearchStrategy[str]:
    plus_two = moment.astimezone(timezone(timedelta(hours=2)))
    return st.sampled_from([
        moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",  # canonical
        moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        moment.isoformat(),
        plus_two.isoformat(timespec="milliseconds"),
    ])


@given(st.lists(instants.flatmap(spellings), max_size=20))
def test_same_as_one_by_one(times: list[str]) -> None:
    assert canonical_times(times) == [canonical_instant(t) for t in times]


def test_canonical_times_come_back_as_they_are() -> None:
    times = ["2026-11-01T00:00:01.000Z", "2026-11-01T00:00:00.999Z"]
    assert canonical_times(times) is times


@pytest.mark.parametrize("times", [["yesterday"], ["2026-11-01T00:00:01.000Z", ""], [5], [None],
                                   ["2026-11-01T00:00:01.00Z", "Z026-11-01T00:00:01.0000"]])
def test_what_is_no_instant_is_refused(times: list[object]) -> None:
    with pytest.raises(ValueError):
        canonical_times(times)  # type: ignore[arg-type]
