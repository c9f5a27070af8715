"""An alert storm against the demo world, for trying the TUI by hand or profiling it.

    python -m benchmarks.storm --alerts 5000 [--hold] [--per-second N] [--repost 60]

Starts the demo world (exactly `oncall-tui demo`'s stack: real Prometheus + Alertmanager
+ the demo service on loopback, in a temp dir), posts N firing alerts to Alertmanager's
/api/v2/alerts in batches (benchmarks/storm_alerts.py: 38 alert names, 9 labels each,
summaries, severities; endsAt 6 h ahead), and with --hold prints the `oncall-tui ...`
command line that runs the TUI against it (the demo's whole config as a TOML file:
panels, SLOs, runbooks, journal), then waits for Ctrl-C and stops the servers.
--per-second paces the posting (a storm that arrives while you watch); --repost S
re-posts every alert each S seconds, as Prometheus resends firing alerts.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import signal
import sys
import time

from benchmarks import storm_alerts
from benchmarks.demo_toml import check_round_trip, full_toml
from benchmarks.world import World, world
from oncall_tui.demo.service import TOKEN_ENV


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def tui_env(w: World) -> dict[str, str]:
    """The environment the TUI runs in: no stray ONCALL_TUI_* overrides, the demo's
    runbook token set (its http runbook names it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONCALL_TUI_")}
    env[TOKEN_ENV] = os.environ.get(TOKEN_ENV) or secrets.token_hex(16)
    return env


def write_config(w: World, env: dict[str, str]) -> str:
    """The demo's config as TOML in the world's dir; checked by loading it back."""
    path = w.workdir / "demo-config.toml"
    path.write_text(full_toml(w.config))
    check_round_trip(w.config, path, env)
    return str(path)


def tui_command(w: World, config_file: str, env: dict[str, str], refresh: str = "2s") -> str:
    exe = os.path.join(os.path.dirname(sys.executable), "oncall-tui")
    argv = [exe, "--config", config_file, "--refresh", refresh]
    return f"{TOKEN_ENV}={env[TOKEN_ENV]} {shlex.join(argv)}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.storm",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--alerts", type=int, default=5000, help="how many firing alerts")
    p.add_argument("--batch", type=int, default=500, help="alerts per POST")
    p.add_argument("--per-second", type=float, help="pace the posting at this rate")
    p.add_argument("--repost", type=float, metavar="S", help="re-post all every S seconds")
    p.add_argument("--hold", action="store_true", help="keep the world until Ctrl-C")
    args = p.parse_args(argv)
    # Ctrl-C, or a kill from a script (a background job ignores SIGINT): both unwind
    # through world()'s cleanup, which stops the servers and removes the temp dir.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    _say("starting the demo world (7 d of history: ~10 s)")
    with world("demo") as w:
        env = tui_env(w)
        config_file = write_config(w, env)
        _say(f"Prometheus {w.prom_url}  Alertmanager {w.am_url}")
        if args.hold and args.per_second:
            _say("the storm arrives once you press Enter; run the TUI first:")
            print(tui_command(w, config_file, env), flush=True)
            input()
        took = storm_alerts.post(
            w.am_url, args.alerts, batch=args.batch, per_second=args.per_second
        )
        _say(
            f"posted {args.alerts} alerts in {took:.1f} s; "
            f"Alertmanager holds {storm_alerts.firing_count(w.am_url)} active alerts"
        )
        if not args.hold:
            return 0
        if not args.per_second:
            print(tui_command(w, config_file, env), flush=True)
        _say("Ctrl-C stops the servers")
        try:
            while True:
                time.sleep(args.repost or 3600.0)
                if args.repost:
                    storm_alerts.post(w.am_url, args.alerts, batch=args.batch)
        except KeyboardInterrupt:
            _say("stopping")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
