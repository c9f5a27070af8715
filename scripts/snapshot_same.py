"""Is `oncall-tui snapshot` byte-identical between two revisions? For refactors of the
poll path (poll.py, sections/): a change there must not change what a user sees.

    .venv/bin/python scripts/snapshot_same.py BEFORE_REV [AFTER_REV]

AFTER_REV defaults to the working tree. Starts the real stack of the integration tests
(exporter, Prometheus, two clustered Alertmanagers), then runs the real CLI
(`snapshot --format json` and `--format text`) of each revision against it at one fixed
clock (`time.time` pinned before anything is imported, `time.perf_counter` too so the
timings read 0), in three set-ups: the whole stack, Prometheus down (its port closed),
and a journal with an ack, an outbox item and local runbook runs. Prints a diff and exits
1 on any difference. Prometheus answers queries at a past instant the same way every
time; the Alertmanagers' alerts are stable while the exporter's alert rules hold.
"""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "src")]

from integration import start_stack, wait_until  # noqa: E402
from integration.exporter import CRITICAL_RUNBOOK  # noqa: E402
from integration.test_snapshot_cli import write_config  # noqa: E402
from oncall_tui.demo.servers import free_port  # noqa: E402

# Runs in the child: pin the clock, then the real CLI's main.
RUNNER = """
import sys, time
at = float(sys.argv[1])
time.time = lambda: at
time.perf_counter = lambda: 0.0
from oncall_tui.cli import main
raise SystemExit(main(sys.argv[2:]))
"""


def source_tree(rev: str | None, into: Path) -> Path:
    """The `src/` of `rev` (None: this working tree)."""
    if rev is None:
        return ROOT / "src"
    data = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "src"], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def run(src: Path, at: float, config: Path, home: Path, fmt: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONCALL_TUI_")}
    env |= {
        "PYTHONPATH": str(src),
        "XDG_CONFIG_HOME": str(home),
        "XDG_STATE_HOME": str(home),
        "COLUMNS": "120",
        "TZ": "UTC",
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            RUNNER,
            repr(at),
            "snapshot",
            "--config",
            str(config),
            "--format",
            fmt,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return f"exit {proc.returncode}\n--- stdout\n{proc.stdout}--- stderr\n{proc.stderr}"


def add_journal(home: Path, at: float, fingerprint: str, runbook: str) -> None:
    """A journal such as a TUI leaves: an ack delivered, one still in the outbox, runs.
    Created by this tree's Journal, filled with plain SQL (the API may differ)."""
    import sqlite3

    from oncall_tui.journal import Journal

    path = home / "oncall-tui" / "journal.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    Journal(path).close()
    con = sqlite3.connect(path)
    with con:
        con.execute(
            "INSERT INTO acks (fingerprint, silence_id, by, acked_at, until) "
            "VALUES (?, 's1', 'alice', ?, ?)",
            (fingerprint, at - 600, at + 3600),
        )
        con.execute(
            "INSERT INTO outbox (op, payload, fingerprints, created_at, next_try_at) "
            "VALUES ('ack', '{}', ?, ?, ?)",
            (f'["{fingerprint}"]', at - 10, at + 100),
        )
        for by, ok in (("alice", 1), ("bob", 0)):
            con.execute(
                "INSERT INTO runs (runbook, target, by, started_at, ended_at, ok) "
                "VALUES (?, 'exec', ?, ?, ?, ?)",
                (runbook, by, at - 300, at - 290, ok),
            )
    con.close()


def main() -> int:

    revs = [a for a in sys.argv[1:] if not a.startswith("--")]
    before = revs[0]
    after = revs[1] if len(revs) > 1 else None
    tmp = Path(tempfile.mkdtemp(prefix="snapshot-same-"))
    trees = {
        before: source_tree(before, tmp / "before"),
        after or "worktree": source_tree(after, tmp / "after"),
    }
    stack = start_stack(tmp / "stack")
    try:
        # Rates over 5 s need some scrapes; then a past instant: Prometheus' answer at it
        # is final.
        ready = time.time()
        wait_until(lambda: time.time() > ready + 15, 20, "a few scrapes")
        at = float(int(time.time()) - 3)
        wait_until(lambda: time.time() > at + 5, 10, "the instant to be in the past")
        fps = stack.http.get(stack.am_urls[0] + "/api/v2/alerts").json()
        for d in ("c1", "c2", "c3"):
            (tmp / d).mkdir(exist_ok=True)
        setups = {
            "stack": (write_config(tmp / "c1", stack.prom_url, stack.am_urls), tmp / "h1"),
            "prometheus down": (
                write_config(tmp / "c2", f"http://127.0.0.1:{free_port()}", stack.am_urls),
                tmp / "h2",
            ),
            "journal": (write_config(tmp / "c3", stack.prom_url, stack.am_urls), tmp / "h3"),
        }
        add_journal(tmp / "h3", at, fps[0]["fingerprint"], CRITICAL_RUNBOOK)
        differ = 0
        for name, (config, home) in setups.items():
            for fmt in ("json", "text"):
                out = {rev: run(src, at, config, home, fmt) for rev, src in trees.items()}
                (a_name, a), (b_name, b) = out.items()
                same = a == b
                print(f"{name:16} {fmt:5} {'identical' if same else 'DIFFERENT'} ({len(a)} chars)")
                if not same:
                    differ += 1
                    sys.stdout.writelines(
                        difflib.unified_diff(a.splitlines(True), b.splitlines(True), a_name, b_name)
                    )
                if "--show" in sys.argv:
                    print(a)
        return 1 if differ else 0
    finally:
        stack.stop()


if __name__ == "__main__":
    raise SystemExit(main())
