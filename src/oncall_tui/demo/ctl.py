"""The tiny client the demo's exec runbooks run: it acts on the demo service's control
endpoint and prints what it does, line by line, like a real runbook script would.

    python -m oncall_tui.demo.ctl --control http://127.0.0.1:PORT heal payments
    python -m oncall_tui.demo.ctl --control http://127.0.0.1:PORT cache-clear

Exit status: 0 done, 1 the action failed, 2 the control endpoint is unreachable.
Stdlib only, so a run starts in a blink.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from typing import Any

STEP_S = 0.5
"""Pause between steps, so the output visibly streams."""


class Unreachable(Exception):
    pass


def say(line: str) -> None:
    print(line, flush=True)


def call(base: str, method: str, path: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(base.rstrip("/") + path, method=method, data=b"")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as e:
        try:
            payload = json.loads(e.read() or b"{}")
        except ValueError:
            payload = {}
        return int(e.code), payload
    except (urllib.error.URLError, OSError) as e:
        raise Unreachable(f"cannot reach the control endpoint {base}: {e}") from e


def heal(base: str, backend: str, wait_s: float) -> int:
    started = time.monotonic()
    status, state = call(base, "GET", "/state")
    info = state.get("backends", {}).get(backend)
    if status != 200 or info is None:
        say(f"error: no backend named {backend!r}")
        return 1
    say(
        f"{backend}: {'DEGRADED' if info['degraded'] else 'healthy'}, "
        f"circuit breaker {info['breaker']}"
    )
    for step in (f"draining traffic from {backend}", f"restarting {backend} (3 instances)"):
        say(step + " ...")
        time.sleep(STEP_S)
    elapsed = time.monotonic() - started
    status, answer = call(
        base, "POST", f"/heal/{backend}?runbook=restart-{backend}&duration={elapsed:.2f}"
    )
    if status != 200:
        say(f"error: restart failed: {answer.get('error', status)}")
        return 1
    say(f"{backend} restarted; health check passed")
    # The gateway's breaker closes on its own after its half-open trial calls.
    deadline = time.monotonic() + wait_s
    last = ""
    while time.monotonic() < deadline:
        _, state = call(base, "GET", "/state")
        breaker = str(state.get("backends", {}).get(backend, {}).get("breaker", "?"))
        if breaker != last:
            say(f"gateway circuit breaker for {backend}: {breaker}")
            last = breaker
        if breaker == "CLOSED":
            break
        time.sleep(STEP_S)
    else:
        say(f"breaker still {last} after {wait_s:.0f}s; it closes after its next trial calls")
    say("done")
    return 0


def cache_clear(base: str) -> int:
    started = time.monotonic()
    for node in range(1, 4):
        say(f"flushing cache node {node} ...")
        time.sleep(STEP_S / 2)
    elapsed = time.monotonic() - started
    status, answer = call(
        base, "POST", f"/cache-clear?runbook=flaky-cache-clear&duration={elapsed:.2f}"
    )
    if status != 200:
        say(f"error: {answer.get('error', f'HTTP {status}')}")
        return 1
    say("cache cleared")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m oncall_tui.demo.ctl")
    p.add_argument("--control", required=True, help="control endpoint base URL")
    sub = p.add_subparsers(dest="action", required=True)
    h = sub.add_parser("heal", help="restart a backend")
    h.add_argument("backend")
    h.add_argument("--wait", type=float, default=30.0, help="wait for the breaker to close")
    sub.add_parser("cache-clear", help="clear the cache (fails now and then)")
    args = p.parse_args(argv)
    try:
        if args.action == "heal":
            return heal(args.control, args.backend, args.wait)
        return cache_clear(args.control)
    except Unreachable as e:
        say(f"error: {e}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
