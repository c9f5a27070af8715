"""The sub-commands around the incident record: `record`, `incidents export`, `report`.

    oncall-tui record                      poll with no screen, keep the journal
    oncall-tui incidents export --since 7d [--until T] --format csv|json|markdown [-o FILE]
    oncall-tui report --since 7d [--until T] --format markdown|html [-o FILE]

Export and report first poll once (unless `--offline`) so the record includes what
Prometheus' ALERTS history and Alertmanager know now; a source that does not answer
only costs that (a warning on stderr), the journal is still exported.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from oncall_tui.config_types import Config
from oncall_tui.durations import parse_duration

if TYPE_CHECKING:
    from oncall_tui.incident_log import IncidentStore
    from oncall_tui.journal import Journal
    from oncall_tui.model.snapshot import Incident, IncidentRun, Snapshot

EXIT_OK, EXIT_USAGE = 0, 2


def parse_when(text: str, now: float) -> float:
    """A point in time: a duration back from now ("7d", "36h"), or an ISO 8601 date or
    time ("2026-11-24", "2026-11-24T09:00", "…Z", "…+01:00"; without a zone: local)."""
    try:
        return now - parse_duration(text)
    except ValueError:
        pass
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{text!r} is neither a duration (7d, 12h) nor a date or time (2026-11-24, "
            "2026-11-24T09:00Z)"
        ) from None
    return value.timestamp()  # a naive datetime is taken as local time


def _period(args: argparse.Namespace, now: float) -> tuple[float, float]:
    start = parse_when(args.since, now)
    end = now if args.until is None else parse_when(args.until, now)
    if not math.isfinite(start) or not math.isfinite(end) or start >= end:
        raise ValueError(f"--since ({args.since}) must be before --until ({args.until or 'now'})")
    return start, end


def add_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    sub.add_parser(
        "record",
        parents=[common],
        help="poll with no screen and keep the journal (the incident record)",
        description="Poll at the refresh interval with no screen and keep the journal: "
        "the incident record stays complete while nobody has the TUI open, and pending "
        "acks are delivered (not in read-only mode). Stops on Ctrl+C or SIGTERM.",
    )
    incidents = sub.add_parser(
        "incidents", parents=[common], help="the incident record (export)"
    ).add_subparsers(dest="incidents_command", metavar="ACTION", required=True)
    export = incidents.add_parser(
        "export",
        parents=[common],
        help="incidents over a period as CSV, JSON or Markdown",
        description="Write the incidents that overlap the period (from the journal, "
        "brought up to date by one poll unless --offline).",
    )
    _period_flags(export, ("csv", "json", "markdown"), "csv")
    report = sub.add_parser(
        "report",
        parents=[common],
        help="the on-call handover report (Markdown or one HTML page)",
        description="Incidents by severity, MTTA / MTTR, the noisiest alerts, likely "
        "false alarms, acks by person and runbook runs over the period.",
    )
    _period_flags(report, ("markdown", "html"), "markdown")


def _period_flags(p: argparse.ArgumentParser, formats: tuple[str, ...], default: str) -> None:
    p.add_argument("--since", default="7d", metavar="WHEN", help="start: 7d (ago) or a date/time")
    p.add_argument("--until", metavar="WHEN", help="end (default now)")
    p.add_argument("--format", choices=formats, default=default)
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    p.add_argument(
        "--offline", action="store_true", help="read the journal only, do not poll first"
    )


# -- export and report ------------------------------------------------------------------


def _journal(config: Config) -> Journal | None:
    from oncall_tui.journal.recover import open_journal

    journal = open_journal(config)
    if journal is not None and journal.notice:
        print(f"oncall-tui: warning: {journal.notice}", file=sys.stderr)
    return journal


def _refresh(config: Config, journal: Journal | None) -> tuple[IncidentStore, Snapshot]:
    """Poll once (the record takes in what the sources know now); the store to read
    and the poll's Snapshot."""
    import asyncio

    from oncall_tui.poll import Poller

    async def once() -> tuple[Snapshot, IncidentStore | None]:
        async with Poller(config, journal=journal) as poller:
            return await poller.poll(), poller.memory.incidents

    snap, memory = asyncio.run(once())
    for name, source in snap.sources.items():
        if not source.ok:
            print(
                f"oncall-tui: warning: {name} did not answer ({source.error}); "
                "the journal's record is used as it is",
                file=sys.stderr,
            )
    if journal is not None:
        return journal.incidents, snap
    assert memory is not None  # the poll made it
    return memory, snap


def _gather(
    args: argparse.Namespace, config: Config
) -> tuple[list[Incident], list[IncidentRun], float, float, str, Snapshot | None]:
    from oncall_tui.incident_log import incidents_of

    now = time.time()
    start, end = _period(args, now)
    journal = _journal(config)
    try:
        if args.offline:
            if journal is None:
                raise ValueError("--offline needs a journal, and there is none to read")
            store: IncidentStore = journal.incidents
            snap = None
        else:
            store, snap = _refresh(config, journal)
        items = incidents_of(store, start, end)
        runs = _runs(journal, start, end)
        where = journal.path if journal is not None else "no journal (this poll only)"
    finally:
        if journal is not None:
            journal.close()
    return items, runs, start, end, where, snap


def _runs(journal: Journal | None, start: float, end: float) -> list[IncidentRun]:
    from oncall_tui.model.snapshot import IncidentRun

    if journal is None:
        return []
    return [
        IncidentRun(r.runbook, r.by, r.started_at, r.ended_at, r.ok, r.exit_code)
        for r in journal.runs.since(start)
        if r.started_at <= end
    ]


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    Path(output).write_text(text, encoding="utf-8")
    print(f"oncall-tui: wrote {output}", file=sys.stderr)


def run_export(args: argparse.Namespace, config: Config) -> int:
    from oncall_tui.render.incidents_out import export

    try:
        items, _, start, end, _, _ = _gather(args, config)
        _write(export(items, args.format, start, end), args.output)
    except (ValueError, OSError) as e:
        print(f"oncall-tui: {e}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def run_report(args: argparse.Namespace, config: Config) -> int:
    from oncall_tui import __version__
    from oncall_tui.model.handover import handover
    from oncall_tui.render.report_out import report, slo_table

    try:
        items, runs, start, end, where, snap = _gather(args, config)
        slos = slo_table(snap.slos if snap is not None else None, args.offline)
        footer = (
            f"Made by oncall-tui {__version__} on {time.strftime('%Y-%m-%d %H:%M %Z')} "
            f"from {where}."
        )
        text = report(handover(items, runs, start, end), args.format, footer, slos)
        _write(text, args.output)
    except (ValueError, OSError) as e:
        print(f"oncall-tui: {e}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


# -- record -----------------------------------------------------------------------------


def run_record(args: argparse.Namespace, config: Config) -> int:
    """Poll until SIGINT / SIGTERM; one stderr line per incident opened or resolved and
    per change of a source's health."""
    import asyncio
    import contextlib
    import signal

    from oncall_tui.actions.app_actions import LiveActions
    from oncall_tui.journal.recover import open_or_set_aside
    from oncall_tui.poll import Poller

    path = Path(config.journal_path) if config.journal_path else _default_path()
    journal, notice = open_or_set_aside(path)
    if notice:
        print(f"oncall-tui: warning: {notice}", file=sys.stderr)
    log = _say
    log(f"recording into {journal.path} every {config.refresh_s:g}s")

    async def loop() -> None:
        stop = asyncio.Event()
        running = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            running.add_signal_handler(sig, stop.set)
        async with Poller(config, journal=journal) as poller:
            actions = None
            if not config.read_only:
                actions = LiveActions(config, poller.alertmanager, journal)
            watch = _Watch(log)
            while not stop.is_set():
                snap = await poller.poll()
                watch.update(snap)
                if actions is not None:
                    for line in await actions.after_poll(snap):
                        log(line)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), config.refresh_s)
        log("stopped")

    try:
        asyncio.run(loop())
    finally:
        journal.close()
    return EXIT_OK


def _default_path() -> Path:
    from oncall_tui.journal import default_journal_path

    return default_journal_path()


def _say(line: str) -> None:
    from oncall_tui.text import clean

    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    print(f"{stamp} {clean(line, one_line=True)}", file=sys.stderr, flush=True)


class _Watch:
    """What changed since the last poll, in words (the recorder's log)."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say
        self.open: dict[int, str] | None = None
        self.sources: dict[str, bool] = {}

    def update(self, snap: Snapshot) -> None:
        for name, s in snap.sources.items():
            if self.sources.get(name, True) != s.ok:
                self.say(f"{name}: {'answering again' if s.ok else s.error}")
            self.sources[name] = s.ok
        now_open = {
            i.id: f"{i.alertname} ({i.severity})"
            for i in snap.incidents.items
            if i.status == "firing" and i.id is not None
        }
        before = self.open if self.open is not None else {}
        if self.open is None:
            self.say(f"{len(now_open)} incidents firing")
        for row_id in sorted(now_open.keys() - before.keys()):
            self.say(f"incident {row_id} firing: {now_open[row_id]}")
        for row_id in sorted(before.keys() - now_open.keys()):
            self.say(f"incident {row_id} resolved: {before[row_id]}")
        self.open = now_open
