"""Take the README screenshot: the overview at 160x48 on the live demo stack.

    .venv/bin/python scripts/screenshot.py [--out docs/screenshot.svg] [--history 10]

Starts the demo (real Prometheus + Alertmanager + the demo service, as `oncall-tui demo`
does), runs the TUI headless on it in the 15-minute window until a critical alert fires,
every panel shows live numbers and the charts hold `--history` minutes, saves Textual's
SVG screenshot, and stops everything it started (also on Ctrl+C or a failure).
Exit 0 written, 1 the live state never came, 2 servers missing.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

from oncall_tui.actions.app_actions import live_backend
from oncall_tui.config_types import Config
from oncall_tui.demo.run import TEMP_PREFIX, start_stack
from oncall_tui.demo.servers import MissingBinary
from oncall_tui.model.snapshot import Snapshot
from oncall_tui.ui.app import OncallApp, make_app

SIZE = (160, 48)
ROOT = Path(__file__).resolve().parent.parent


def history_span(view: Snapshot) -> float:
    """Seconds of live error-rate history (the demo backfills no latency or errors)."""
    times = [at for at, _ in view.errors.history]
    return max(times) - min(times) if times else 0.0


def missing_parts(view: Snapshot | None, history_s: float) -> list[str]:
    """What the picture still lacks before it shows what the demo is about."""
    if view is None:
        return ["a first poll"]
    missing = []
    if history_span(view) < history_s:
        missing.append(f"{history_s / 60:g} min of history ({history_span(view) / 60:.1f} so far)")
    if not any(a.display_state == "active" and a.severity == "critical" for a in view.alerts.items):
        missing.append("a firing critical alert")
    if not view.latency.services:
        missing.append("latency")
    if view.errors.value is None:
        missing.append("an error rate")
    if not view.circuit_breakers.breakers:
        missing.append("breakers")
    if not view.runbooks.total:
        missing.append("runbook runs")
    if not view.incidents.items:
        missing.append("incidents")
    if view.health.score is None:
        missing.append("a health score")
    if not all(s.ok for s in view.sources.values()):
        missing.append("every source answering")
    return missing


async def shoot(app: OncallApp, out: Path, timeout_s: float, history_s: float) -> bool:
    async with app.run_test(size=SIZE) as pilot:
        # The 15-minute window: a fresh demo has minutes of live history, not hours.
        await pilot.press("1")
        deadline = time.monotonic() + timeout_s
        next_say = 0.0
        while missing := missing_parts(app.view, history_s):
            if time.monotonic() > deadline:
                print(f"gave up after {timeout_s:g}s waiting for: {', '.join(missing)}")
                return False
            if time.monotonic() >= next_say:  # a line every 30 s, not every check
                print(f"waiting for: {', '.join(missing)}", flush=True)
                next_say = time.monotonic() + 30
            await pilot.pause(0.5)
        # One more poll, so "polled … ago" and the ages read as fresh as they are.
        await pilot.press("R")
        await pilot.pause(1.0)
        while app.polling:
            await pilot.pause(0.1)
        await pilot.pause(0.3)
        out.write_text(app.export_screenshot(title="oncall-tui demo"), encoding="utf-8")
        return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.svg")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait")
    parser.add_argument(
        "--history", type=float, default=10.0, help="minutes of live history to wait for"
    )
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
    stack = None
    journal = None
    try:
        # On the main thread: start_stack ties the servers' lives to this process.
        stack = start_stack(workdir, Config(), say=lambda line: print(line, flush=True))
        print("demo stack up; waiting for live data", flush=True)
        poller, actions, journal = live_backend(stack.config)
        app = make_app(stack.config, poller, actions=actions)
        app.owns_poller = True
        args.out.parent.mkdir(parents=True, exist_ok=True)
        ok = asyncio.run(shoot(app, args.out, args.timeout, args.history * 60))
        if ok:
            print(f"wrote {args.out}")
        return 0 if ok else 1
    except MissingBinary as e:
        print(f"screenshot: {e}", file=sys.stderr)
        return 2
    finally:
        if journal is not None:
            journal.close()
        if stack is not None:
            stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
