"""A kept (`settled`) range with now's instant answer as its newest point (`fresh_end`)."""

from __future__ import annotations

from oncall_tui.model.series import Sample, Series
from oncall_tui.poll import ending_now
from oncall_tui.sections.spec import Outcome
from oncall_tui.sources.errors import QueryError


def test_now_is_appended_to_its_series_and_the_span_trimmed() -> None:
    kept = [
        Series({"name": "a"}, ((40.0, 1.0), (55.0, 1.0), (70.0, 0.0))),
        Series({"name": "gone"}, ((55.0, 1.0),)),
    ]
    now = [Sample({"name": "a"}, 1.0, 100.0), Sample({"name": "new"}, 1.0, 100.0)]
    got = ending_now(Outcome(kept), Outcome(now), 100.0, 50.0)
    assert got.ok
    assert got.value == [
        Series({"name": "a"}, ((55.0, 1.0), (70.0, 0.0), (100.0, 1.0))),
        Series({"name": "gone"}, ((55.0, 1.0),)),
        Series({"name": "new"}, ((100.0, 1.0),)),
    ]
    assert kept[0].points[0] == (40.0, 1.0)  # the kept answer itself is untouched


def test_either_error_is_the_outcome() -> None:
    refused = QueryError("bad_data: parse error", error_type="bad_data")
    assert ending_now(Outcome([]), Outcome(error=refused), 100.0, 50.0).error is refused
    assert ending_now(Outcome(error=refused), Outcome([]), 100.0, 50.0).error is refused
