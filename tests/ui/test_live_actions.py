"""Issue #5 end to end through the keyboard: the app on its real backend (`live_backend`:
journal, poller, LiveActions) against a REAL Alertmanager. a / A / u / r pressed in a
Pilot, the result read back from the Alertmanager's API, the screen and the journal.

The service-level rules (exactly-once, gossip, until-resolved) are tested in
tests/integration/test_ack.py and test_outbox.py; here: that the keys reach them, and
that what they did shows on screen. Prometheus is a dead loopback port: the alert
panel needs only the Alertmanager. Helpers are in live_pilot.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input

from integration import Peer
from oncall_tui.actions.outbox import backoff_s
from oncall_tui.demo import servers
from oncall_tui.journal import Journal

from .live_pilot import (
    ACK,
    USER,
    clear_input,
    close_am_http,
    create_silence,
    ends_at,
    footer_keys,
    live_app,
    live_config,
    messages,
    need_alertmanager,
    polls_pass,
    post_alert,
    row_text,
    screen_text,
    select_alert,
    shown_alert,
    silences_of,
    type_text,
    unique_labels,
    until,
)

pytestmark = pytest.mark.servers


@pytest.fixture(autouse=True)
def _close_http() -> Iterator[None]:
    # Per test, not per module: a module-scoped fixture would keep all of this module's
    # tests on one xdist worker (tests/conftest.py groups by them).
    yield
    close_am_http()


@pytest.fixture(scope="module")
def shared_am(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    """One Alertmanager for the tests that do not stop it; each uses its own alertname."""
    need_alertmanager()
    peer = Peer(tmp_path_factory.mktemp("am"))
    yield peer
    peer.close()


@pytest.fixture
def own_am(tmp_path: Path) -> Iterator[Peer]:
    """An Alertmanager of this test alone (it stops / replaces it)."""
    need_alertmanager()
    peer = Peer(tmp_path / "am")
    yield peer
    peer.close()


# -- the tests ------------------------------------------------------------------------


async def test_a_acks_the_selected_alert_and_the_row_shows_who(
    shared_am: Peer, tmp_path: Path
) -> None:
    from oncall_tui.ui.screens.detail import AlertDetailScreen

    labels = unique_labels(instance="db-1:9100")
    post_alert(shared_am.url, labels)
    config = live_config(tmp_path, [shared_am.url])
    async with live_app(config) as (app, pilot, _journal):
        alert = await select_alert(app, pilot, labels["alertname"])
        assert {"Ack", "Ack…", "Un-ack", "Runbook"} <= await footer_keys(app, pilot)
        pressed_at = time.time()
        await pilot.press("a")
        await until(
            lambda: silences_of(shared_am.url, labels["alertname"]), pilot, 5, "silence", 0.1
        )
        (silence,) = silences_of(shared_am.url, labels["alertname"])
        matchers = {
            (m["name"], m["value"], m["isRegex"], m["isEqual"]) for m in silence["matchers"]
        }
        assert matchers == {(k, v, False, True) for k, v in labels.items()}
        assert silence["createdBy"] == USER
        assert silence["comment"] == "ACK! looking into it"
        assert abs(ends_at(silence) - (pressed_at + ACK.default_duration_s)) < 30
        await until(lambda: any("acknowledged" in m for m in messages(app)), pilot, 5, "notice")

        def acked_on_screen() -> bool:
            shown = shown_alert(app, labels["alertname"])
            return shown is not None and shown.acked_by == USER

        await until(acked_on_screen, pilot, 5, "acked after the next poll")
        await until(lambda: USER in row_text(app, alert.fingerprint), pilot, 3, "who, in the row")
        row = row_text(app, alert.fingerprint)
        assert "silenced" in row and USER in row and "left" in row, row
        assert "ack pending" not in row
        # The detail view says who acked and until when.
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, AlertDetailScreen), pilot, 3, "detail view")
        await until(lambda: f"acked by {USER}" in screen_text(app), pilot, 3, "who, in the detail")
        detail = screen_text(app)
        assert f"acked by {USER}" in detail and " until " in detail
        await pilot.press("escape")
        await until(lambda: app.screen is app.overview, pilot, 3, "back to the overview")
        # More polls (and their outbox work) make no second silence.
        await polls_pass(app, pilot, 2)
        assert len(silences_of(shared_am.url, labels["alertname"], state=None)) == 1


async def test_a_group_until_resolved_acks_each_of_its_alerts(
    shared_am: Peer, tmp_path: Path
) -> None:
    """`A` on a group header, "until resolved" ticked: one silence per alert, each
    marked until-resolved, each in the journal."""
    from oncall_tui.ui.screens.dialogs import AckDialog

    name = unique_labels()["alertname"]
    members = [unique_labels(instance=f"web-{i}") | {"alertname": name} for i in range(2)]
    for labels in members:
        post_alert(shared_am.url, labels)
    config = live_config(tmp_path, [shared_am.url])
    async with live_app(config) as (app, pilot, journal):
        assert journal is not None
        table = app.overview.alerts.table
        key = f"group:{name}"

        def both_listed() -> bool:
            view = app.view
            return (
                view is not None
                and key in table.rows
                and (sum(a.alertname == name for a in view.alerts.items) == 2)
            )

        await until(both_listed, pilot, 10, "the group with both alerts")
        table.move_cursor(row=table.get_row_index(key))
        await pilot.pause()
        group = app.overview.alerts.selected_alerts()
        assert len(group) == 2
        await pilot.press("A")
        await until(lambda: isinstance(app.screen, AckDialog), pilot, 3, "ack dialog")
        assert "Acknowledge 2 alerts" in screen_text(app)
        await pilot.press("tab", "tab", "space")  # duration -> comment -> checkbox
        assert app.screen.query_one("#until", Checkbox).value
        await pilot.press("enter")
        await until(
            lambda: len(silences_of(shared_am.url, name)) == 2, pilot, 5, "two silences", 0.1
        )
        silences = silences_of(shared_am.url, name)
        instances = {
            next(m["value"] for m in s["matchers"] if m["name"] == "instance") for s in silences
        }
        assert instances == {"web-0", "web-1"}
        for silence in silences:
            # The marker names the step each extension adds: the ack's duration.
            assert silence["comment"] == "ACK! looking into it [until-resolved, every 1h]"
            assert abs(ends_at(silence) - (time.time() + ACK.default_duration_s)) < 30
        records = [r for a in group for r in journal.acks.of(a.fingerprint)]
        assert {r.silence_id for r in records} == {s["id"] for s in silences}
        assert all(r.until_resolved for r in records)


async def test_a_with_a_dead_first_peer_acks_via_the_next_and_names_the_dead_one(
    shared_am: Peer, tmp_path: Path
) -> None:
    labels = unique_labels()
    post_alert(shared_am.url, labels)
    dead = f"http://127.0.0.1:{servers.free_port()}"
    config = live_config(tmp_path, [dead, shared_am.url])
    async with live_app(config) as (app, pilot, _journal):
        await select_alert(app, pilot, labels["alertname"])
        await pilot.press("a")
        await until(lambda: any("acknowledged" in m for m in messages(app)), pilot, 5, "notice")
        (words,) = [m for m in messages(app) if "acknowledged" in m]
        assert f"via {shared_am.url}" in words, words
        assert "skipped" in words and dead in words, words
        assert len(silences_of(shared_am.url, labels["alertname"])) == 1


async def test_shift_a_dialog_sets_duration_and_comment_and_esc_cancels(
    shared_am: Peer, tmp_path: Path
) -> None:
    from oncall_tui.ui.screens.dialogs import AckDialog

    labels = unique_labels()
    post_alert(shared_am.url, labels)
    config = live_config(tmp_path, [shared_am.url])
    async with live_app(config) as (app, pilot, journal):
        assert journal is not None
        alert = await select_alert(app, pilot, labels["alertname"])
        # Esc: nothing is written, nothing is sent.
        await pilot.press("A")
        await until(lambda: isinstance(app.screen, AckDialog), pilot, 3, "ack dialog")
        await type_text(pilot, "x")
        await pilot.press("escape")
        await until(lambda: app.screen is app.overview, pilot, 3, "dialog closed")
        await polls_pass(app, pilot, 1)
        assert silences_of(shared_am.url, labels["alertname"], state=None) == []
        assert journal.outbox.pending() == [] and journal.acks.of(alert.fingerprint) == []

        # 4 minutes: short enough for the row to be highlighted as expiring soon.
        await pilot.press("A")
        await until(lambda: isinstance(app.screen, AckDialog), pilot, 3, "ack dialog")
        dialog = app.screen
        await clear_input(pilot, dialog.query_one("#duration", Input))
        await type_text(pilot, "4m")
        await clear_input(pilot, dialog.query_one("#comment", Input))
        await type_text(pilot, "INC-42 failover")
        pressed_at = time.time()
        await pilot.press("enter")
        await until(
            lambda: silences_of(shared_am.url, labels["alertname"]), pilot, 5, "silence", 0.1
        )
        (silence,) = silences_of(shared_am.url, labels["alertname"])
        assert silence["comment"] == "ACK! INC-42 failover"
        assert silence["createdBy"] == USER
        assert abs(ends_at(silence) - (pressed_at + 240)) < 10

        def acked() -> bool:
            shown = shown_alert(app, labels["alertname"])
            return shown is not None and shown.acked_by == USER

        await until(acked, pilot, 5, "acked on screen")
        await until(lambda: USER in row_text(app, alert.fingerprint), pilot, 3, "who, in the row")
        acked_cell = app.overview.alerts.table.get_row(alert.fingerprint)[4]
        assert USER in acked_cell.plain and "left" in acked_cell.plain
        styles = {str(span.style) for span in acked_cell.spans} | {str(acked_cell.style)}
        assert any("reverse" in s for s in styles), styles  # expires within 5 minutes
        await pilot.press("enter")  # and the detail view says so in words
        await until(lambda: app.screen is not app.overview, pilot, 3, "detail view")
        await until(lambda: "expires in" in screen_text(app), pilot, 3, "the detail's expiry")
        assert f"acked by {USER}" in screen_text(app) and "expires in" in screen_text(app)


async def test_u_expires_the_ack_and_asks_which_when_several_cover_it(
    shared_am: Peer, tmp_path: Path
) -> None:
    from oncall_tui.ui.screens.dialogs import ChooseSilenceScreen, ConfirmScreen

    labels = unique_labels()
    post_alert(shared_am.url, labels)
    config = live_config(tmp_path, [shared_am.url])
    async with live_app(config) as (app, pilot, _journal):
        await select_alert(app, pilot, labels["alertname"])
        await pilot.press("a")
        await until(
            lambda: silences_of(shared_am.url, labels["alertname"]), pilot, 5, "our ack", 0.1
        )
        (ours,) = silences_of(shared_am.url, labels["alertname"])
        theirs = create_silence(shared_am.url, labels, "bob@elsewhere", "maintenance window")
        await pilot.press("R")

        def covered_by_both() -> bool:
            shown = shown_alert(app, labels["alertname"])
            return shown is not None and set(shown.silenced_by) == {ours["id"], theirs}

        await until(covered_by_both, pilot, 5, "both silences on screen")
        await pilot.press("u")
        await until(lambda: isinstance(app.screen, ChooseSilenceScreen), pilot, 3, "choose-silence")
        await until(lambda: "bob@elsewhere" in screen_text(app), pilot, 3, "the silences listed")
        assert "bob@elsewhere" in screen_text(app) and USER in screen_text(app)
        options = app.screen.query_one("OptionList")
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]  # type: ignore[attr-defined]
        assert set(ids) == {ours["id"], theirs}
        for _ in range(ids.index(theirs)):
            await pilot.press("down")
        await pilot.press("enter")
        # Bob's is not our ack: it is confirmed first, with what it is and mutes.
        await until(lambda: isinstance(app.screen, ConfirmScreen), pilot, 3, "confirmation")
        assert "not an ack" in screen_text(app) and "maintenance window" in screen_text(app)
        await pilot.press("y")
        await until(
            lambda: (
                [s["id"] for s in silences_of(shared_am.url, labels["alertname"])] == [ours["id"]]
            ),
            pilot,
            5,
            "only bob's silence expired",
            0.1,
        )
        assert app.screen is app.overview

        # One silence left: `u` expires it without asking.
        await until(
            lambda: (
                (s := shown_alert(app, labels["alertname"])) is not None
                and s.silenced_by == (ours["id"],)
            ),
            pilot,
            5,
            "one silence on screen",
        )
        await pilot.press("u")
        await until(
            lambda: not silences_of(shared_am.url, labels["alertname"]), pilot, 5, "expired", 0.1
        )
        assert app.screen is app.overview
        await until(
            lambda: (
                (s := shown_alert(app, labels["alertname"])) is not None
                and s.display_state == "active"
                and s.acked_by is None
            ),
            pilot,
            5,
            "active again on screen",
        )
        expired = silences_of(shared_am.url, labels["alertname"], state="expired")
        assert {s["id"] for s in expired} == {ours["id"], theirs}


async def test_ack_during_an_outage_is_pending_and_a_restarted_app_delivers_it_once(
    own_am: Peer, tmp_path: Path
) -> None:
    labels = unique_labels()
    post_alert(own_am.url, labels)
    config = live_config(tmp_path, [own_am.url], refresh_s=1.0)
    async with live_app(config) as (app, pilot, journal):
        assert journal is not None
        outbox = journal.outbox.pending
        alert = await select_alert(app, pilot, labels["alertname"])
        own_am.stop()
        await pilot.press("a")
        await until(lambda: any("ack pending" in m for m in messages(app)), pilot, 5, "notice")
        (item,) = outbox()
        assert item.op == "ack" and item.fingerprints == (alert.fingerprint,)

        def pending_on_screen() -> bool:
            return "ack pending" in row_text(app, alert.fingerprint)

        await until(pending_on_screen, pilot, 5, "row says ack pending")
        # `u` takes a pending ack back (nothing to expire: nothing was sent) ...
        await pilot.press("u")
        await until(lambda: any("withdrawn" in m for m in messages(app)), pilot, 5, "withdrawn")
        assert outbox() == []
        await until(lambda: not pending_on_screen(), pilot, 5, "no longer pending on screen")
        # ... and `a` twice while still no Alertmanager answers makes one pending ack
        # (the newer intent replaces the older one).
        await pilot.press("a")
        await until(outbox, pilot, 5, "pending again")
        await until(pending_on_screen, pilot, 5, "row says ack pending again")
        (first,) = outbox()
        await pilot.press("a")
        await until(
            lambda: [i.payload["acked_at"] for i in outbox()] != [first.payload["acked_at"]],
            pilot,
            5,
            "second ack written",
        )
        (item,) = outbox()
        assert item.id == first.id
        await pilot.press("q")  # quit with the ack undelivered
    assert app.return_code == 0
    # The tool was quit with the ack undelivered; the Alertmanager comes back (with its
    # silences, not its alerts), then the tool is started again on the same journal.
    own_am.restart()
    post_alert(own_am.url, labels)
    journal = Journal(config.journal_path or "")
    (item,) = journal.outbox.pending()
    journal.close()
    assert silences_of(own_am.url, labels["alertname"], state=None) == []
    async with live_app(config) as (app, pilot, journal):
        assert journal is not None

        def delivered() -> bool:
            return not journal.outbox.pending() and bool(
                silences_of(own_am.url, labels["alertname"])
            )

        await until(delivered, pilot, backoff_s(item.attempts) + 10, "delivery", 0.2)
        await polls_pass(app, pilot, 3)
        (silence,) = silences_of(own_am.url, labels["alertname"], state=None)
        assert silence["createdBy"] == USER and silence["comment"] == "ACK! looking into it"
        await until(lambda: USER in row_text(app, alert.fingerprint), pilot, 5, "acked on screen")
        assert "ack pending" not in row_text(app, alert.fingerprint)


async def test_read_only_has_no_ack_keys_and_refuses_them(shared_am: Peer, tmp_path: Path) -> None:
    from oncall_tui.ui.screens.help import HelpScreen

    labels = unique_labels()
    post_alert(shared_am.url, labels)
    config = live_config(tmp_path, [shared_am.url], read_only=True)
    async with live_app(config) as (app, pilot, journal):
        assert app.actions is None and journal is None  # read-only creates no journal
        await select_alert(app, pilot, labels["alertname"])
        footer = await footer_keys(app, pilot)
        assert "Filter" in footer
        assert not {"Ack", "Ack…", "Un-ack", "Runbook"} & footer
        palette = {c.title for c in app.get_system_commands(app.screen)}
        assert not [t for t in palette if t.startswith(("Ack", "Un-ack", "Runbook"))]
        await pilot.press("a", "A", "u", "r")
        await pilot.pause()
        app.action_ack()  # also refused when invoked, not pressed
        await until(lambda: any("Read-only" in m for m in messages(app)), pilot, 3, "the notice")
        assert app.screen is app.overview
        await polls_pass(app, pilot, 1)
        await pilot.press("question_mark")
        await until(lambda: isinstance(app.screen, HelpScreen), pilot, 3, "help")
        assert not {"a", "A", "u", "r"} & {row[0] for row in app.screen.rows}  # type: ignore[attr-defined]
    assert silences_of(shared_am.url, labels["alertname"], state=None) == []
    assert not Path(config.journal_path or "").exists()


async def test_r_runs_the_exec_runbook_shows_its_output_and_journals_it(
    shared_am: Peer, tmp_path: Path
) -> None:
    from oncall_tui.ui.screens.dialogs import ConfirmScreen, RunbookPicker
    from oncall_tui.ui.screens.run_output import RunOutputScreen

    labels = unique_labels()
    post_alert(shared_am.url, labels)
    config = live_config(tmp_path, [shared_am.url])
    async with live_app(config) as (app, pilot, journal):
        assert journal is not None
        alert = await select_alert(app, pilot, labels["alertname"])
        started = time.time()
        await pilot.press("r")
        await until(lambda: isinstance(app.screen, RunbookPicker), pilot, 3, "picker")
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, ConfirmScreen), pilot, 3, "confirmation")
        # The confirmation shows the argv with the label substituted.
        argv = f"echo fixing {labels['alertname']}"
        await until(lambda: argv in screen_text(app), pilot, 3, "the argv, substituted")
        await pilot.press("y")
        await until(lambda: isinstance(app.screen, RunOutputScreen), pilot, 3, "output screen")
        screen = app.screen
        await until(lambda: screen.finished, pilot, 10, "run finished")  # type: ignore[attr-defined]
        await until(lambda: "✔ ok" in screen_text(app), pilot, 3, "the outcome on screen")
        text = screen_text(app)
        assert f"fixing {labels['alertname']}" in text
        assert "✔ ok" in text
        (run,) = journal.runs.since(started - 1)
        assert run.runbook == "note" and run.ok is True and run.exit_code == 0
        assert run.by == USER and run.fingerprint == alert.fingerprint
        assert f"fixing {labels['alertname']}" in run.output_tail
        await pilot.press("escape")
        await until(lambda: app.screen is app.overview, pilot, 3, "closed")

        # A run that fails says so, with its exit status, and is journalled as failed.
        await pilot.press("r")
        await until(lambda: isinstance(app.screen, RunbookPicker), pilot, 3, "picker")
        await type_text(pilot, "brok")
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, ConfirmScreen), pilot, 3, "confirmation")
        await pilot.press("y")
        await until(lambda: isinstance(app.screen, RunOutputScreen), pilot, 3, "output screen")
        screen = app.screen
        await until(lambda: screen.finished, pilot, 10, "run finished")  # type: ignore[attr-defined]
        await until(lambda: "✘ failed" in screen_text(app), pilot, 3, "the outcome on screen")
        text = screen_text(app)
        assert "oops" in text and "✘ failed" in text and "3" in text.split("✘ failed")[1]
        failed = [r for r in journal.runs.since(started - 1) if r.runbook == "broken"]
        assert [(r.ok, r.exit_code) for r in failed] == [(False, 3)]


async def test_u_refused_by_the_alertmanager_is_shown_in_words(
    own_am: Peer, tmp_path: Path
) -> None:
    """A real refusal: the screen (paused) still shows a silence that the Alertmanager
    no longer knows (it came back on empty storage); `u` gets its 404 and says so."""
    labels = unique_labels()
    post_alert(own_am.url, labels)
    config = live_config(tmp_path, [own_am.url])
    async with live_app(config) as (app, pilot, journal):
        assert journal is not None
        await select_alert(app, pilot, labels["alertname"])
        silence_id = create_silence(own_am.url, labels, "bob@elsewhere", "maintenance")
        await pilot.press("R")
        await until(
            lambda: (
                (s := shown_alert(app, labels["alertname"])) is not None
                and s.silenced_by == (silence_id,)
            ),
            pilot,
            5,
            "silenced on screen",
        )
        await pilot.press("p")
        assert app.paused
        own_am.stop()
        own_am.restart(tmp_path / "am-fresh")
        await pilot.press("u")
        # Bob's maintenance silence is not an ack: `u` asks first.
        await until(lambda: "bob@elsewhere" in screen_text(app), pilot, 3, "confirmation")
        await pilot.press("y")
        await until(lambda: any("Un-ack failed" in m for m in messages(app)), pilot, 5, "error")
        (words,) = [m for m in messages(app) if "Un-ack failed" in m]
        assert "silence not found" in words and silence_id in words, words
        assert journal.outbox.pending() == []  # refused: not retried
