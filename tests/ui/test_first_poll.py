"""The first poll is staged: its cheap sections (sections.EARLY) are on screen first,
then the alert list, then the rest of the snapshot; health says it is waiting, never a
score, until then."""

from __future__ import annotations

from oncall_tui.config_types import Config
from oncall_tui.model.snapshot import Snapshot
from oncall_tui.ui.app import OncallApp, make_app
from oncall_tui.ui.widgets.format import NA
from waiting import until

from .conftest import FakeClock, FakePoller
from .factories import snapshot
from .test_app_keys import screen_text


def region_text(app: OncallApp, widget_id: str) -> str:
    """What the screen shows inside one widget."""
    region = app.overview.query_one(f"#{widget_id}").region
    lines = screen_text(app).splitlines()[region.y : region.y + region.height]
    return "\n".join(line[region.x : region.x + region.width] for line in lines)


async def test_latency_is_on_screen_while_the_rest_of_the_first_poll_waits(
    config: Config,
) -> None:
    full = snapshot()
    # The full poll takes long (the 7-day history, a storm of alerts): it is still
    # running when the test looks.
    # The alert list (asked next) and the full poll take long: both still running
    # when the test looks.
    poller = FakePoller(script=[full], delay_s=60.0, alerts_delay_s=60.0)
    poller.early = {"latency": full.latency, "errors": full.errors}
    app = make_app(config, poller, clock=FakeClock())
    async with app.run_test(size=(160, 48)) as pilot:
        await until(lambda: app.view is not None, pilot, 10.0, "the early sections")
        await pilot.pause()
        assert app.polling and poller.calls == 0  # the full poll has not started
        view = app.view
        assert view is not None
        assert view.latency == full.latency and view.errors == full.errors
        latency = region_text(app, "latency")
        assert all(s.service in latency for s in full.latency.services)
        assert "updated just now" in latency
        # Health's inputs (alerts, SLOs, components) are not in: no score, no verdict.
        assert view.health.score is None
        health = region_text(app, "health")
        assert "waiting for data" in health and "%" not in health.replace(NA, "")
        assert "waiting for data" in region_text(app, "alerts")


async def test_the_full_poll_starts_once_the_early_sections_are_drawn(config: Config) -> None:
    """Its requests would take the event loop's CPU before that frame is painted (at
    start-up the early sections come at once, from the head start)."""
    full = snapshot()
    seen_at_full_poll: list[str] = []

    class Watching(FakePoller):
        async def poll(self, window_s: float) -> Snapshot:
            seen_at_full_poll.append(region_text(app, "latency"))
            return await super().poll(window_s)

    poller = Watching(script=[full])
    poller.early = {"latency": full.latency, "errors": full.errors}
    app = make_app(config, poller, clock=FakeClock())
    async with app.run_test(size=(160, 48)) as pilot:
        await until(lambda: poller.calls == 1, pilot, 10.0, "the full poll")
    (latency,) = seen_at_full_poll
    assert all(s.service in latency for s in full.latency.services)


async def test_what_the_early_view_does_not_hold_is_unknown_not_zero(config: Config) -> None:
    """Between the early sections and the full poll, alerts, incidents, runbook stats
    and silences are not asked yet: no "0 active", "0 incidents", "0 executions" or
    "no silence", on the overview or on the pages opened meanwhile."""
    full = snapshot()
    poller = FakePoller(script=[full], delay_s=60.0, alerts_delay_s=60.0)
    poller.early = {"latency": full.latency, "errors": full.errors}
    app = make_app(config, poller, clock=FakeClock())
    async with app.run_test(size=(160, 48)) as pilot:
        await until(lambda: app.view is not None, pilot, 10.0, "the early sections")
        await pilot.pause()
        overview = screen_text(app)
        assert "╭─ Alerts ─" in overview and "active /" not in overview
        assert "╭─ Incidents (I) ─" in overview and "firing" not in overview
        runbooks = region_text(app, "runbooks")
        assert "unknown" in runbooks and "Executions" not in runbooks
        await pilot.press("I")
        await until(lambda: "Incidents · " in screen_text(app), pilot, 5.0, "the incidents page")
        page = screen_text(app)
        assert "waiting for data" in page and "firing" not in page.split("\n")[0]
        await pilot.press("escape")
        await until(lambda: app.screen is app.overview, pilot, 5.0, "the overview back")
        await pilot.press("S")
        await until(lambda: "Silences" in screen_text(app), pilot, 5.0, "the silences")
        silences = screen_text(app)
        assert "Waiting for the Alertmanager" in silences and "No active" not in silences


async def test_the_alert_list_comes_before_the_rest_of_the_first_poll(config: Config) -> None:
    """In a storm the full poll (the incident record's first merge) takes seconds: the
    alerts, what the on-call engineer acts on, are listed as soon as they are read."""
    full = snapshot()
    poller = FakePoller(script=[full], delay_s=60.0)
    poller.early = {"latency": full.latency, "errors": full.errors}
    app = make_app(config, poller, clock=FakeClock())
    async with app.run_test(size=(160, 48)) as pilot:
        await until(
            lambda: app.view is not None and app.view.alerts.section.fetched_at is not None,
            pilot,
            10.0,
            "the alert list",
        )
        await until(
            lambda: all(a.alertname in region_text(app, "alerts") for a in full.alerts.items),
            pilot,
            10.0,
            "the alerts listed",
        )
        await until(lambda: poller.calls == 1, pilot, 10.0, "the full poll, started after it")
        assert "active /" in screen_text(app)
        view = app.view
        assert view is not None and view.health.score is None  # the rest is still waiting
        assert "waiting for data" in region_text(app, "health")
