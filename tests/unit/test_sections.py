"""The section registry and the Poller's memory: pure, no servers (the Poller against
real ones: tests/integration/test_sections.py and the snapshot tests)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import get_type_hints

import pytest

from oncall_tui.config_types import Config
from oncall_tui.model.snapshot import Section, Snapshot
from oncall_tui.poll import build_order
from oncall_tui.sections import HEALTH, SECTIONS
from oncall_tui.sections.memory import IncidentHistory, LastOk, PollMemory
from oncall_tui.sections.spec import (
    BuildContext,
    Outcome,
    Query,
    QueryContext,
    Results,
    SectionSpec,
    no_queries,
)
from oncall_tui.sources.errors import QueryError, Unreachable

NOT_PARTS = {"taken_at", "window_s", "sources", "poll_duration_s"}


def test_every_snapshot_part_has_one_section_building_its_type() -> None:
    fields = get_type_hints(Snapshot)
    parts = {f.name for f in dataclasses.fields(Snapshot)} - NOT_PARTS
    names = [s.name for s in SECTIONS]
    assert sorted(names) == sorted(parts)  # each part once, none missing
    for spec in SECTIONS:
        assert get_type_hints(spec.build)["return"] is fields[spec.name], spec.name


def test_sections_are_listed_in_the_snapshots_field_order() -> None:
    order = [f.name for f in dataclasses.fields(Snapshot) if f.name not in NOT_PARTS]
    assert [s.name for s in SECTIONS] == order


@dataclasses.dataclass(frozen=True)
class Part:
    built_after: tuple[str, ...]
    section: Section = dataclasses.field(default_factory=lambda: Section("prometheus"))


def spec(name: str, *needs: SectionSpec[Part]) -> SectionSpec[Part]:
    def build(ctx: BuildContext, r: Results) -> Part:
        return Part(tuple(ctx.parts))

    return SectionSpec(name, "prometheus", no_queries, build, needs=needs)


def test_needs_come_first_and_missing_ones_are_added() -> None:
    a = spec("a")
    b = spec("b", a)
    c = spec("c", b, a)
    assert [s.name for s in build_order([c])] == ["a", "b", "c"]
    assert [s.name for s in build_order([a, c, b])] == ["a", "b", "c"]
    assert [s.name for s in build_order([HEALTH])][-1] == "health"
    assert {"latency", "errors", "alerts"} <= {s.name for s in build_order([HEALTH])}


def test_sections_that_need_each_other_are_refused_by_name() -> None:
    a = spec("a")
    b = spec("b", a)
    looped = dataclasses.replace(a, needs=(b,))
    with pytest.raises(ValueError, match="b -> a -> b"):
        build_order([dataclasses.replace(b, needs=(looped,))])


def test_results_name_the_first_error_in_query_order() -> None:
    r = Results(
        {
            "ok": Outcome(value=[]),
            "refused": Outcome(error=QueryError("parse error", error_type="bad_data")),
            "down": Outcome(error=Unreachable("connection refused")),
        }
    )
    assert r.samples("ok") == [] and r.samples("refused") == []
    assert r.error() is not None and "parse error" in r.error()  # type: ignore[operator]
    section = r.section("prometheus", 10.0)
    assert (section.ok, section.fetched_at) == (False, None)
    fine = Results({"ok": Outcome(value=[])}).section("prometheus", 10.0)
    assert (fine.ok, fine.error, fine.fetched_at) == (True, None, 10.0)


def test_incident_history_is_due_after_refresh_or_invalidation() -> None:
    h = IncidentHistory()
    assert h.due(100.0, 60.0)  # never read
    fresh = h.store([], None, 100.0, 15.0, 90.0)
    assert fresh is not None and (fresh.step, fresh.until, fresh.runs) == (15.0, 90.0, ())
    assert not h.due(159.0, 60.0) and h.due(160.0, 60.0)
    h.invalidate()
    assert h.due(101.0, 60.0)
    assert h.fetched_at == 100.0  # what is shown is still from then
    assert h.store(None, Unreachable("down"), 101.0, 15.0, 90.0) is None
    assert h.due(102.0, 60.0) and h.fetched_at == 100.0 and h.error is not None


def test_last_ok_remembers_the_last_answer_per_source() -> None:
    last = LastOk()
    assert last.note("prometheus", False, 1.0) is None
    assert last.note("prometheus", True, 2.0) == 2.0
    assert last.note("prometheus", False, 3.0) == 2.0
    assert last.note("alertmanager", False, 3.0) is None


def test_each_section_plans_named_queries_for_the_default_config() -> None:
    ctx = QueryContext(Config(), 1000.0, 3600.0, PollMemory())
    planned: dict[str, Mapping[str, Query]] = {s.name: s.queries(ctx) for s in SECTIONS}
    assert set(planned["latency"]) == {"buckets", "history", "rps"}
    assert set(planned["alerts"]) == {"alerts", "silences"}
    assert set(planned["incidents"]) == {"history"}  # never read yet
    ctx.memory.history.store([], None, 1000.0, 15.0, 990.0)
    assert INCIDENTS_QUERIES(ctx) == {}  # fresh: nothing asked


INCIDENTS_QUERIES = next(s.queries for s in SECTIONS if s.name == "incidents")
