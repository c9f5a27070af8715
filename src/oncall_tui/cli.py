"""The `oncall-tui` command: flags, sub-commands and exit codes.

    oncall-tui [flags]             the TUI
    oncall-tui demo [flags]        real Prometheus + Alertmanager + a demo service, then the TUI
    oncall-tui snapshot [flags]    one poll printed as JSON or text, no TUI
    oncall-tui record [flags]      poll with no screen and keep the journal
    oncall-tui incidents export    the incident record as CSV, JSON or Markdown
    oncall-tui report              the on-call handover (Markdown or HTML)

Exit codes: 0 fine; 1 `snapshot` printed state but a source did not answer; 2 usage or
config error (one line on stderr, no traceback); 130 interrupted by Ctrl+C.
Everything heavy (Textual, httpx, Rich) is imported only by the sub-command that needs
it, so `--help`, `--version` and config errors answer at once.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from oncall_tui import __version__
from oncall_tui.config import ConfigError, load_config
from oncall_tui.config_types import Config
from oncall_tui.durations import parse_duration

if TYPE_CHECKING:
    from oncall_tui.journal import Journal

# httpx's package imports its own command-line client (click, rich.progress, pygments:
# ~30 ms of every start) unless that import fails, then defines a stub; we never run it.
if "httpx" not in sys.modules:
    sys.modules["httpx._main"] = None  # type: ignore[assignment]  # None: "no such module"

EXIT_OK, EXIT_SOURCE_DOWN, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for `... | head`

ENV_HELP = """\
environment (overridden by flags):
  ONCALL_TUI_CONFIG             config file (default $XDG_CONFIG_HOME/oncall-tui/config.toml)
  ONCALL_TUI_PROMETHEUS_URL     Prometheus base URL
  ONCALL_TUI_ALERTMANAGER_URLS  Alertmanager URLs, comma-separated (HA peers)
  ONCALL_TUI_REFRESH            poll interval, e.g. 5s
  ONCALL_TUI_READ_ONLY          1/true/yes or 0/false/no
  ONCALL_TUI_USER               author of silences and runbook runs
  ONCALL_TUI_THEME              theme name
  ONCALL_TUI_JOURNAL            journal file (SQLite)

exit codes: 0 ok, 1 a source did not answer (snapshot), 2 usage or config error,
130 interrupted. A documented example config is examples/config.toml.
"""


def _duration(text: str) -> float:
    """argparse type: "5", "5s", "1m" -> seconds; refuses 0 (nothing polls that fast)."""
    try:
        seconds = parse_duration(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"must be longer than 0, got {text!r}")
    return seconds


def _speed(text: str) -> float:
    """argparse type of `demo --speed`: a factor between 0.1 and 1000."""
    try:
        speed = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.1 <= speed <= 1000:
        raise argparse.ArgumentTypeError(f"must be between 0.1 and 1000, got {text}")
    return speed


def _common_flags() -> argparse.ArgumentParser:
    """Flags accepted before and after the sub-command. SUPPRESS as the default keeps a
    flag given before `snapshot` from being reset by the sub-command's parser."""
    p = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    p.add_argument("--config", metavar="FILE", help="config file (TOML)")
    p.add_argument("--prometheus", metavar="URL", help="Prometheus (or compatible) base URL")
    p.add_argument(
        "--alertmanager",
        metavar="URL",
        action="append",
        help="Alertmanager base URL; repeat for the peers of an HA cluster",
    )
    p.add_argument(
        "--read-only", action="store_true", help="remove every action that changes anything"
    )
    p.add_argument("--theme", metavar="NAME", help="colour theme")
    p.add_argument(
        "--refresh", metavar="SECONDS", type=_duration, help="poll interval (e.g. 5 or 5s)"
    )
    return p


def build_parser() -> argparse.ArgumentParser:
    common = _common_flags()
    parser = argparse.ArgumentParser(
        prog="oncall-tui",
        description="Terminal dashboard for the engineer on call: Prometheus + Alertmanager.",
        parents=[common],
        epilog=ENV_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"oncall-tui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        parents=[common],
        help="start a real Prometheus, Alertmanager and demo service, then the TUI",
        description="Start a real Prometheus and Alertmanager on free loopback ports with a "
        "demo service, then open the TUI on them. Ctrl+C or q stops everything.",
    )
    demo.add_argument("--prometheus-bin", metavar="PATH", help="Prometheus binary")
    demo.add_argument("--alertmanager-bin", metavar="PATH", help="Alertmanager binary")
    demo.add_argument(
        "--no-tui", action="store_true", help="only start the servers and print their URLs"
    )
    demo.add_argument(
        "--speed",
        metavar="X",
        type=_speed,
        help="simulated time runs X times faster (0.1-1000; default 1, or "
        "ONCALL_TUI_DEMO_SPEED): at 10 a backend degrades within seconds",
    )
    demo.add_argument("--seed", metavar="N", type=int, help="random seed of the simulation")
    demo.add_argument(
        "--no-auto-degrade",
        action="store_true",
        help="backends never degrade by themselves (a calm demo)",
    )
    demo.add_argument(
        "--history-days",
        metavar="DAYS",
        type=float,
        default=7.0,
        help="days of past incidents and runbook runs to backfill (0: none; default 7)",
    )
    snap = sub.add_parser(
        "snapshot",
        parents=[common],
        help="poll once and print the state (JSON or text), no TUI",
        description="Poll once and print what the TUI would show. Exit 0 when every source "
        "answered, 1 when one did not (the state is still printed), 2 on a usage or "
        "config error.",
    )
    snap.add_argument("--format", choices=("json", "text"), default="json")
    snap.add_argument(
        "--window",
        metavar="DURATION",
        type=_duration,
        help="time window for stats and history (default: ui.window in the config)",
    )
    from oncall_tui.cli_journal import add_parsers

    add_parsers(sub, common)
    return parser


def overrides_from(args: argparse.Namespace) -> dict[str, object]:
    """The flags given, under the keys `load_config` takes (absent flags are left out)."""
    pairs = (
        ("prometheus_url", "prometheus"),
        ("alertmanager_urls", "alertmanager"),
        ("theme", "theme"),
        ("refresh_s", "refresh"),
    )
    out: dict[str, object] = {key: getattr(args, attr) for key, attr in pairs if attr in args}
    if getattr(args, "read_only", False):
        out["read_only"] = True
    return out


def _open_journal(config: Config) -> Journal | None:
    """The journal, if one exists, so the snapshot shows acks and local runs as the TUI
    does. A snapshot never creates one, and a journal it cannot open only costs that."""
    import sqlite3

    from oncall_tui.journal import Journal, JournalError, default_journal_path

    path = Path(config.journal_path) if config.journal_path else default_journal_path()
    if not path.is_file():
        return None
    try:
        return Journal(path)
    except (JournalError, sqlite3.Error) as e:  # e.g. "file is not a database"
        print(f"oncall-tui: warning: {e}; acks and local runs left out", file=sys.stderr)
        return None


def _snapshot(args: argparse.Namespace, config: Config) -> int:
    import asyncio

    from oncall_tui.model.snapshot import Snapshot
    from oncall_tui.poll import Poller

    journal = _open_journal(config)

    async def once() -> Snapshot:
        async with Poller(config, journal=journal) as poller:
            return await poller.poll(args.window or config.ui.window_s)

    try:
        snap = asyncio.run(once())
    finally:
        if journal is not None:
            journal.close()
    if args.format == "json":
        import orjson

        from oncall_tui.render.json_out import snapshot_to_json

        data = orjson.dumps(snapshot_to_json(snap), option=orjson.OPT_INDENT_2)
        sys.stdout.write(data.decode() + "\n")
    else:
        from oncall_tui.render.text_out import make_console, print_text

        print_text(make_console(sys.stdout), snap)
    sys.stdout.flush()
    ok = all(source.ok for source in snap.sources.values())
    return EXIT_OK if ok else EXIT_SOURCE_DOWN


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version, usage errors: argparse has printed
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    try:
        config = load_config(getattr(args, "config", None), os.environ, overrides_from(args))
    except ConfigError as e:
        print(f"oncall-tui: {e}", file=sys.stderr)
        return EXIT_USAGE
    from oncall_tui.config_secrets import readable_secret_warning

    if warning := readable_secret_warning(config):
        print(f"oncall-tui: {warning}", file=sys.stderr)
    from oncall_tui.sources.errors import AuthSetupError

    try:
        return _command(args, config)
    except AuthSetupError as e:  # a token or CA file named in the config is missing
        print(f"oncall-tui: {e}", file=sys.stderr)
        return EXIT_USAGE


def _command(args: argparse.Namespace, config: Config) -> int:
    if args.command == "snapshot":
        return _snapshot(args, config)
    if args.command in ("record", "incidents", "report"):
        from oncall_tui import cli_journal

        run = {
            "record": cli_journal.run_record,
            "incidents": cli_journal.run_export,
            "report": cli_journal.run_report,
        }[args.command]
        return run(args, config)
    if args.command == "demo":
        from oncall_tui.demo.run import run_demo

        demo_status: int = run_demo(args, config)
        return demo_status
    from oncall_tui import head_start

    # First, before Textual is imported: the first data is asked meanwhile.
    head = head_start.start(config)
    from oncall_tui.ui.app import run_app

    try:
        tui_status: int = run_app(config, head_start=head)
    except Exception as e:
        from oncall_tui.journal import JournalError  # imported by the app only when opened

        if not isinstance(e, JournalError):
            raise
        print(
            f"oncall-tui: {e}\n  acks need the journal; choose another file with "
            "ONCALL_TUI_JOURNAL (or journal in the config), or run with --read-only",
            file=sys.stderr,
        )
        return EXIT_USAGE
    finally:
        if head is not None:
            head.close()
    return tui_status


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and of `python -m oncall_tui`."""
    try:
        return _run(argv)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from
        # complaining again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
