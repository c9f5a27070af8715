"""ui/state.py and the pure render helpers: staleness, filter, grouping, bells, backoff."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rich.text import Text

from oncall_tui.model.snapshot import Section
from oncall_tui.ui.state import (
    Backoff,
    CriticalWatch,
    ack_expiring,
    alert_matches,
    filter_alerts,
    freshness,
    group_alerts,
    merge,
)
from oncall_tui.ui.widgets.format import Palette, bar, level_vs_target, ms, num, pct, txt
from oncall_tui.ui.widgets.sparkline import BLOCKS, bar_chart, resample, sparkline
from oncall_tui.ui.widgets.status import PollState, status_line

from .factories import NOW, alert, default_alerts, failed, snapshot


def test_merge_keeps_last_good_section_marked_stale() -> None:
    good = snapshot(NOW)
    bad = failed(NOW + 45, "connection refused")
    merged = merge(good, bad)
    # Prometheus sections keep the old data, with the new error and the old time.
    assert merged.latency.services == good.latency.services
    assert merged.latency.section.ok is False
    assert merged.latency.section.error == "connection refused"
    assert merged.latency.section.fetched_at == NOW
    assert merged.health.score == good.health.score
    # The alertmanager section answered: it is the new one, fresh.
    assert merged.alerts.section.ok is True
    assert merged.taken_at == NOW + 45
    text = freshness(merged.latency.section, NOW + 45)
    assert text == "stale 40s — prometheus: connection refused"  # 10 s steps: repainted rarely


def test_merge_stale_then_recovers() -> None:
    merged = merge(snapshot(NOW), failed(NOW + 10))
    merged = merge(merged, failed(NOW + 20))
    assert merged.errors.section.fetched_at == NOW  # age keeps growing
    recovered = merge(merged, snapshot(NOW + 30))
    assert recovered.errors.section.ok is True
    assert freshness(recovered.errors.section, NOW + 31) == "updated just now"
    assert freshness(recovered.errors.section, NOW + 55) == "updated 20s ago"
    assert freshness(recovered.errors.section, NOW + 30 + 330) == "updated 5m ago"


def test_merge_without_good_data_shows_the_error() -> None:
    merged = merge(None, failed(NOW))
    assert freshness(merged.latency.section, NOW).startswith("no data — prometheus:")
    assert merge(failed(NOW), failed(NOW + 5)).latency.section.fetched_at is None


def test_freshness_cleans_and_cuts_the_error() -> None:
    sec = Section(
        "prometheus", ok=False, error="boom \x1b[2J[bold]x[/]\n" + "y" * 200, fetched_at=0
    )
    text = freshness(sec, 5, limit=60)
    assert "\x1b" not in text and "\n" not in text
    assert "[bold]x[/]" in text
    assert len(text) == 60 and text.endswith("…")
    assert freshness(Section("prometheus"), 1) == "waiting for data"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"fp-api-1", "fp-api-2", "fp-lat-1", "fp-disk-1", "fp-cert-1"}),
        ("api", {"fp-api-1", "fp-api-2"}),
        ("SERVICE=API", {"fp-api-1", "fp-api-2"}),
        ("severity=warn", {"fp-lat-1", "fp-disk-1"}),
        ("instance=api-2", {"fp-api-2"}),
        ("summary=certificate", {"fp-cert-1"}),  # annotations too
        ("warning /var", {"fp-disk-1"}),  # every term must match
        ("nothing-like-this", set()),
    ],
)
def test_filter(query: str, expected: set[str]) -> None:
    assert {a.fingerprint for a in filter_alerts(default_alerts(), query)} == expected


def test_filter_matches_literal_markup() -> None:
    a = alert("X", "info", "fp", {"team": "[bold red]x[/]"})
    assert alert_matches(a, "[bold")
    assert not alert_matches(a, "team=bold")


def test_groups_most_urgent_first_active_before_silenced() -> None:
    groups = group_alerts(default_alerts())
    assert [g.name for g in groups] == [
        "APIHighErrorRate",
        "BackendLatencyHigh",
        "DiskFillingUp",
        "CertExpiry",
    ]
    api = groups[0]
    assert [a.fingerprint for a in api.alerts] == ["fp-api-1", "fp-api-2"]
    assert (api.count("active"), api.count("silenced")) == (1, 1)
    assert api.severity == "critical"


def test_ack_expiring() -> None:
    a = alert("X", "critical", "fp", acked_by="me", acked_until=NOW + 240)
    assert ack_expiring(a, NOW)
    assert not ack_expiring(a, NOW - 3600)
    assert not ack_expiring(replace(a, acked_until=None), NOW)


def test_critical_watch_rings_only_for_new_firing_criticals() -> None:
    watch = CriticalWatch()
    first = default_alerts()
    assert watch.update(first) == []  # baseline: already firing at start
    assert watch.update(first) == []
    new = alert("DBDown", "critical", "fp-db", {"instance": "db-1"})
    silenced = alert("Other", "critical", "fp-sil", silenced_by=("s",))
    warning = alert("Warn", "warning", "fp-warn")
    got = watch.update((*first, new, silenced, warning))
    assert [a.fingerprint for a in got] == ["fp-db"]
    assert watch.update((*first, new)) == []
    # Resolved, then firing again: new again. Memory holds only what is present.
    watch.update(first)
    assert "fp-db" not in watch.seen
    assert [a.fingerprint for a in watch.update((*first, new))] == ["fp-db"]


def test_backoff_doubles_up_to_the_ceiling_and_resets() -> None:
    b = Backoff(5.0)
    assert [b.failed() for _ in range(5)] == [10.0, 20.0, 40.0, 60.0, 60.0]
    assert b.succeeded() == 5.0
    assert b.failed() == 10.0


def test_sparkline_colours_against_threshold() -> None:
    points = [(float(i), v) for i, v in enumerate([0.1, 0.2, 0.29, 0.5])]
    line = sparkline(points, 10, threshold=0.3, ok="green", warn="yellow", bad="red")
    assert line.plain == "▂▄▅█"
    assert cell_styles(line) == ["green", "green", "yellow", "red"]
    assert len(line.spans) == 3  # a run of one style is one span
    # A flat series under the threshold stays low; squeezing keeps the spike.
    assert set(sparkline([(0, 0.1), (1, 0.1)], 5, threshold=1.0).plain) == {BLOCKS[1]}
    assert max(resample([1, 1, 9, 1, 1, 1], 3)) == 9
    assert sparkline([], 10).plain == ""
    assert sparkline([(0.0, float("nan"))], 10).plain == ""


def test_format_helpers() -> None:
    assert ms(0.148) == "148" and ms(None) == "—" and ms(float("nan")) == "—"
    assert pct(0.985) == "98.5%" and pct(None) == "—"
    assert bar(0.5, 10) == "▓" * 5 + "░" * 5
    assert bar(None, 4) == "░░░░"
    assert level_vs_target(0.31, 0.3) == "bad"
    assert level_vs_target(0.25, 0.3) == "warn"
    assert level_vs_target(0.1, 0.3) == "ok"
    assert level_vs_target(None, 0.3) == "unknown"


def test_txt_shows_outside_text_literally() -> None:
    t = txt("[bold red]x[/] \x1b[2J\x07")
    assert isinstance(t, Text)
    assert t.plain == "[bold red]x[/] "
    assert t.spans == []


def test_status_line_says_what_polling_waits_for() -> None:
    palette = Palette({})
    waiting = PollState(window_s=3600, refresh_s=5, polling=True, polling_for_s=12.4)
    assert "waiting 12s for sources" in status_line(None, waiting, palette, NOW).plain
    quick = PollState(window_s=3600, refresh_s=5, polling=True, polling_for_s=0.3)
    assert "waiting" not in status_line(None, quick, palette, NOW).plain
    failed_poll = PollState(window_s=900, refresh_s=5, error="boom [x]\x1b[2J", retry_in_s=20)
    text = status_line(snapshot(NOW), failed_poll, palette, NOW + 3).plain
    assert "window 15m" in text and "polled just now" in text
    later = status_line(snapshot(NOW), failed_poll, palette, NOW + 47).plain
    assert "polled 40s ago" in later
    assert "poll failed: boom [x] · retry in 20s" in text
    assert "PAUSED" in status_line(None, PollState(3600, 5, paused=True), palette, NOW).plain


def cell_styles(text: Text) -> list[str]:
    """The style of each character (the last span over it wins, as Rich draws it)."""
    out = [str(text.style)] * len(text.plain)
    for span in text.spans:
        out[span.start : span.end] = [str(span.style)] * (span.end - span.start)
    return out


def test_charts_are_runs_of_one_style_not_a_span_per_cell() -> None:
    # Drawn every poll: each span is a segment to convert and compare again.
    points = [(float(i), 0.55) for i in range(36)]
    chart = bar_chart(points, 36, 8, threshold=0.8, ok="green", warn="yellow", bad="red")
    assert len(chart.spans) <= 8  # a row of one colour is one span, not 36
    assert set(cell_styles(chart)) == {"", "green"}
    spiky = [(float(i), [0.1, 0.9, 0.7][i % 3]) for i in range(36)]
    line = sparkline(spiky, 36, threshold=0.8, ok="green", warn="yellow", bad="red")
    expected = ["green", "red", "yellow"] * 12
    assert cell_styles(line) == expected and len(line.spans) == 36  # no run to merge
    flat = sparkline([(float(i), 0.1) for i in range(36)], 36, threshold=0.8, ok="green")
    assert cell_styles(flat) == ["green"] * 36 and len(flat.spans) == 1


def test_bar_chart_is_as_tall_as_asked() -> None:
    points = [(float(i), v) for i, v in enumerate([0.0, 0.5, 1.0])]
    chart = bar_chart(points, 3, 2, threshold=0.8, ok="green", bad="red").plain.split("\n")
    assert chart == ["  █", " ██"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [(7.3, "7"), (142.0, "142"), (0.4, "<1"), (0.0, "0"), (2.5, "2"), (None, "—")],
)
def test_counts_are_whole_numbers(value: float | None, shown: str) -> None:
    assert num(value) == shown


def test_sparkline_on_a_time_axis() -> None:
    from oncall_tui.ui.widgets.sparkline import resample_in_time

    # Ten minutes of data in a one-hour window: drawn at the right end, not stretched.
    recent = [(3000.0 + 60 * i, 1.0) for i in range(11)]
    cells = resample_in_time(recent, 12, (0.0, 3600.0))
    assert cells[:10] == [None] * 10 and cells[10:] == [1.0, 1.0]
    line = sparkline(recent, 12, span=(0.0, 3600.0))
    assert line.plain == " " * 10 + BLOCKS[-1] * 2
    # Coarse samples fill the cells of their step; a missing stretch stays a gap.
    coarse = [(float(t), 1.0) for t in (600, 1200, 1800, 3000, 3600)]
    cells = resample_in_time(coarse, 6, (0.0, 3600.0))
    assert cells == [None, 1.0, 1.0, 1.0, None, 1.0]  # 1800..3000 missing: cell 4
    assert resample_in_time([(5000.0, 1.0)], 6, (0.0, 3600.0)) == []
    chart = bar_chart(recent, 12, 2, span=(0.0, 3600.0)).plain.split("\n")
    assert chart[0] == " " * 10 + "██"


def test_column_widths_keep_names_whole_and_share_the_rest() -> None:
    from oncall_tui.ui.widgets.panel import column_widths

    # Alert (names 20, label sets 60), Sev, State, Since, Acked by, Summary (40).
    natural = [60, 8, 13, 6, 22, 40]
    assert column_widths(natural, 170, 2, {0: 20, 5: 0}) == natural  # room for all
    mid = column_widths(natural, 120, 2, {0: 20, 5: 0})
    assert mid[1:5] == natural[1:5] and sum(mid) + 12 == 120  # whole; the room used
    assert abs((mid[0] - 20) - mid[5]) <= 1  # labels and summary share the rest
    narrow = column_widths(natural, 80, 2, {0: 20, 5: 0})
    assert narrow[:5] == [20, 8, 13, 6, 22]  # names and who acked whole
    assert narrow[5] == 40  # no useful room left: off to the right, not a sliver
    # Everything fits: natural widths.
    assert column_widths([5, 7, 8, 7], 60, 2, {0: 14, 3: 0}) == [5, 7, 8, 7]


async def test_columns_fit_the_table_width() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    from oncall_tui.ui.widgets.panel import fit_columns

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()

    rows = [
        ("a", [Text("x" * 60), Text("critical"), Text("who@where"), Text("long summary " * 4)]),
        ("b", [Text("short"), Text("info"), Text(""), Text("")]),
    ]
    app = Host()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(DataTable)
        table.add_columns("Alert", "Sev", "Acked by", "Summary")
        await pilot.pause()
        fit_columns(table, rows, flexible={0: 14, 3: 0})
        widths = [c.get_render_width(table) for c in table.ordered_columns]
        # The long first column is cut so Sev and Acked by stay on screen whole; the
        # summary shares what is left with it.
        assert widths[1] - 2 == len("critical") and widths[2] - 2 == len("who@where")
        assert sum(widths) <= 60 and widths[0] - 2 >= 14 and widths[3] - 2 >= 8
        assert rows[0][1][0].overflow == "ellipsis" and rows[0][1][0].no_wrap
        # Everything fits: natural widths are kept.
        small = [("c", [Text("ab"), Text("warning"), Text("me"), Text("s")])]
        fit_columns(table, small, flexible={0: 14, 3: 0})
        assert [c.width for c in table.ordered_columns] == [5, 7, 8, 7]


def test_coarse_age_keeps_the_largest_unit() -> None:
    from oncall_tui.ui.widgets.format import coarse_age

    assert coarse_age(NOW, NOW - 196) == "3m"
    assert coarse_age(NOW, NOW - 42) == "42s"
    assert coarse_age(NOW, NOW - 3 * 3600 - 600) == "3h"
    assert coarse_age(NOW, NOW - 2 * 86400 - 7200) == "2d"
    assert coarse_age(NOW, None) == "—"


def test_status_line_names_slow_sources_only_and_keeps_them_at_80_columns() -> None:
    from dataclasses import replace

    from oncall_tui.model.snapshot import SourceStatus

    sources = {
        "alertmanager": SourceStatus("alertmanager", True, latency_s=0.004, checked_at=NOW),
        "prometheus": SourceStatus("prometheus", True, latency_s=0.0123, checked_at=NOW),
    }
    snap = replace(snapshot(NOW), sources=sources)
    poll = PollState(window_s=3600, refresh_s=2)
    wide = status_line(snap, poll, Palette({}), NOW + 3, width=160).plain
    # Fast answers: only the mark (a latency rewritten each poll is bytes for nothing).
    assert "every 2s" in wide and wide.endswith("prometheus ✔") and "ms" not in wide
    slow = dict(sources, prometheus=replace(sources["prometheus"], latency_s=16.309))
    snap = replace(snap, sources=slow)
    assert "prometheus ✔ slow 16s" in status_line(snap, poll, Palette({}), NOW + 3).plain
    for width in (80, 60):
        narrow = status_line(snap, poll, Palette({}), NOW + 3, width=width).plain
        assert len(narrow) <= width, narrow
        assert narrow.endswith("✔ slow 16s"), narrow


def test_slow_text_changes_once_a_second_at_most() -> None:
    from oncall_tui.ui.widgets.status import slow_text

    assert slow_text(None) == slow_text(0.999) == slow_text(float("nan")) == ""
    assert slow_text(1.0) == slow_text(1.4) == "slow 1s"
    assert slow_text(2.6) == "slow 3s"


def test_the_active_tab_is_marked_without_colour() -> None:
    from oncall_tui.ui.widgets.status import tabs_line

    line = tabs_line(["Health", "Latency", "Alerts"], 1).plain
    assert "[Latency]" in line and "[Health]" not in line and " Health " in line
