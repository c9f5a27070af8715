"""The `oncall-tui` command line: flags, exit codes, one-line errors, light import."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from fakes import FakeServer, Reply
from oncall_tui import __version__
from oncall_tui.cli import build_parser, main, overrides_from
from oncall_tui.demo.servers import free_port
from waiting import wait_until


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 30.0
) -> subprocess.CompletedProcess[str]:
    """`python -m oncall_tui ARGS` with a clean environment (no user config, no journal)."""
    return subprocess.run(
        [sys.executable, "-m", "oncall_tui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=clean_env(env),
    )


def clean_env(extra: dict[str, str] | None = None, home: str = "/nonexistent") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONCALL_TUI_")}
    env.update({"XDG_CONFIG_HOME": f"{home}/config", "XDG_STATE_HOME": f"{home}/state"})
    env.pop("NO_COLOR", None)
    env.update(extra or {})
    return env


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"oncall-tui {__version__}"


def test_bad_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[latency]\nslo_p95 = 5\n")
    for argv in (("--config", str(config)), ("snapshot", "--config", str(config))):
        result = run_cli(*argv)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1
        assert result.stderr.startswith(f"oncall-tui: config error in {config}: ")
        assert 'key "latency.slo_p95"' in result.stderr
        assert result.stdout == ""


def test_missing_explicit_config_file(tmp_path: Path) -> None:
    result = run_cli("snapshot", "--config", str(tmp_path / "missing.toml"))
    assert result.returncode == 2
    assert (
        result.stderr
        == f"oncall-tui: config error in {tmp_path / 'missing.toml'}: file not found\n"
    )


def test_bad_environment_variable_is_a_config_error() -> None:
    result = run_cli("snapshot", env={"ONCALL_TUI_READ_ONLY": "perhaps"})
    assert result.returncode == 2
    assert "environment variable ONCALL_TUI_READ_ONLY" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ("--no-such-flag",),
        ("snapshot", "--format", "xml"),
        ("snapshot", "--window", "soon"),
        ("--refresh", "0"),
        ("frobnicate",),
    ],
)
def test_usage_errors_exit_2(argv: tuple[str, ...]) -> None:
    result = run_cli(*argv)
    assert result.returncode == 2
    assert "usage: oncall-tui" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_sub_commands_and_environment(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for word in ("snapshot", "demo", "--prometheus", "--alertmanager", "ONCALL_TUI_REFRESH"):
        assert word in out


def test_flags_before_and_after_the_sub_command() -> None:
    parser = build_parser()
    args = parser.parse_args(
        [
            "--prometheus",
            "http://a:1",
            "--read-only",
            "snapshot",
            "--alertmanager",
            "http://b:2",
            "--alertmanager",
            "http://c:3",
            "--refresh",
            "1m",
            "--theme",
            "x",
        ]
    )
    assert overrides_from(args) == {
        "prometheus_url": "http://a:1",
        "alertmanager_urls": ["http://b:2", "http://c:3"],
        "read_only": True,
        "theme": "x",
        "refresh_s": 60.0,
    }
    assert args.command == "snapshot" and args.format == "json" and args.window is None


def test_no_flags_no_overrides() -> None:
    args = build_parser().parse_args([])
    assert args.command is None
    assert overrides_from(args) == {}


def test_demo_flags() -> None:
    args = build_parser().parse_args(
        ["demo", "--prometheus-bin", "/p", "--alertmanager-bin", "/a", "--no-tui"]
    )
    assert (args.command, args.prometheus_bin, args.alertmanager_bin, args.no_tui) == (
        "demo",
        "/p",
        "/a",
        True,
    )


def test_import_is_light() -> None:
    code = (
        "import sys, oncall_tui.cli; "
        "print(sorted(m for m in ('textual', 'httpx', 'rich', 'orjson') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_snapshot_with_both_sources_down_prints_state_and_exits_1() -> None:
    prom, am = f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"
    result = run_cli("snapshot", "--prometheus", prom, "--alertmanager", am)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    for name in ("prometheus", "alertmanager"):
        assert data["sources"][name]["ok"] is False
        assert "refused" in data["sources"][name]["error"]
    assert data["health"]["components"] == []


def test_snapshot_text_without_tty_has_no_colour() -> None:
    prom, am = f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"
    result = run_cli("snapshot", "--format", "text", "--prometheus", prom, "--alertmanager", am)
    assert result.returncode == 1
    assert "\x1b" not in result.stdout
    assert "Sources" in result.stdout and "DOWN" in result.stdout


def test_ctrl_c_exits_130_quietly(fake_http: Callable[[Reply], FakeServer]) -> None:
    hanging = fake_http(Reply(hang_s=20.0))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "oncall_tui",
            "snapshot",
            "--prometheus",
            hanging.url,
            "--alertmanager",
            hanging.url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
    )
    try:
        wait_until(lambda: hanging.requests, 15, "the snapshot to reach the server", 0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


def test_snapshot_opens_the_journal_only_when_it_exists(tmp_path: Path) -> None:
    from oncall_tui.cli import _open_journal
    from oncall_tui.config_types import Config
    from oncall_tui.journal import Journal

    path = tmp_path / "journal.sqlite3"
    assert _open_journal(Config(journal_path=str(path))) is None
    assert not path.exists()
    Journal(path).close()
    journal = _open_journal(Config(journal_path=str(path)))
    assert isinstance(journal, Journal) and journal.path == str(path)
    journal.close()


def test_snapshot_never_creates_a_journal(tmp_path: Path) -> None:
    prom, am = f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"
    env = clean_env(home=str(tmp_path))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "oncall_tui",
            "snapshot",
            "--prometheus",
            prom,
            "--alertmanager",
            am,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
    )
    assert result.returncode == 1
    assert not (tmp_path / "state").exists()


def test_unreadable_journal_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    path.write_bytes(b"this is not an SQLite database, just some bytes" * 10)
    prom, am = f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"
    result = run_cli(
        "snapshot",
        "--prometheus",
        prom,
        "--alertmanager",
        am,
        env={"ONCALL_TUI_JOURNAL": str(path)},
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("oncall-tui: warning: ")
    assert json.loads(result.stdout)["sources"]["prometheus"]["ok"] is False


def test_unset_bearer_token_env_names_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[alertmanager]\nbearer_token_env = "I9_UNSET_AM_TOKEN"\n')
    result = run_cli("snapshot", "--config", str(config))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == (
        f'oncall-tui: config error in {config}: key "alertmanager.bearer_token_env": '
        "environment variable I9_UNSET_AM_TOKEN is not set\n"
    )


SECRET_CONFIG = """
[[runbooks]]
name = "hook"
kind = "http"
url = "http://127.0.0.1:9/hook"
headers = { "X-Rundeck-Auth-Token" = "literal-t0ken", "X-Team" = "payments" }
"""


def test_a_readable_config_holding_a_secret_is_warned_about_once(tmp_path: Path) -> None:
    prom, am = f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"
    config = tmp_path / "config.toml"
    config.write_text(SECRET_CONFIG)
    config.chmod(0o644)
    argv = ("snapshot", "--config", str(config), "--prometheus", prom, "--alertmanager", am)
    result = run_cli(*argv)
    assert result.returncode == 1
    warning = (
        f"oncall-tui: warning: {config} holds a secret "
        "(runbooks[0].headers.X-Rundeck-Auth-Token) and everyone can read it (mode 0644): "
        "chmod 600 it, or move the secret to an environment variable\n"
    )
    assert result.stderr.count(warning) == 1 and "literal-t0ken" not in result.stderr
    config.chmod(0o600)
    assert "warning" not in run_cli(*argv).stderr
    config.write_text(SECRET_CONFIG.replace("literal-t0ken", "${RUNDECK_TOKEN}"))
    config.chmod(0o644)
    assert "warning" not in run_cli(*argv).stderr


def test_the_tui_path_does_not_import_httpx_command_line_client() -> None:
    # click, rich.progress and pygments: ~30 ms of every start, for a client never run.
    probe = (
        "import sys, oncall_tui.cli, oncall_tui.poll, httpx; "
        "print(sorted(m for m in ('click', 'pygments', 'httpx._main') if sys.modules.get(m)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
