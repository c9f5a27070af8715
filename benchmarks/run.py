"""Run every benchmark and write the Markdown report.

    python -m benchmarks.run [--quick] [--out benchmarks/RESULTS.md]
                             [--only model,poll,tui,process,screen] [--worlds demo,large]
    python -m benchmarks.run --render [--out benchmarks/RESULTS.md]

The server benchmarks start one world at a time (real Prometheus + Alertmanager on
loopback, in a temp dir) and stop it before the next: the 2 cores are shared.
`benchmarks/NOTES.md`, when present, is the hand-written reading of the profiles and
is copied into the report under the verdict. The raw samples go next to the report
(`<out>.json`), so `--render` can rebuild it after NOTES.md changed, without measuring.
`screen` (issue #10: the real TUI read through a terminal emulator, beside a minimal
Textual app) always runs in the demo world, whatever --worlds says, in ~8 minutes.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import machine, report
from benchmarks.stats import Section, load_sections, save_sections

ALL = ("model", "poll", "tui", "process", "screen")
WORLDS = ("demo", "large")
NOTES = Path(__file__).with_name("NOTES.md")
SOAK = Path(__file__).with_name("SOAK.json")
"""Written by `python -m benchmarks.soak` (30 min, so not part of a run): added to the
report as its last section, with the soak's own date and load in its text."""


def _with_soak(sections: list[Section]) -> list[Section]:
    if not SOAK.exists():
        return sections
    machine_rows, soaked, command, load_after = load_sections(SOAK)
    when = dict(machine_rows).get("date (UTC)", "?")
    for s in soaked:
        s.how += (
            f" Measured by `{command}` at {when} UTC (load average at start "
            f"{dict(machine_rows).get('load average at start (1/5/15 min)', '?')}, "
            f"at end {load_after})."
        )
    return [*sections, *soaked]


def _merge(into: dict[str, Section], key: str, section: Section) -> None:
    """Sections of the same benchmark from several worlds become one."""
    have = into.get(key)
    if have is None:
        into[key] = section
    else:
        have.results += section.results
        have.notes += section.notes


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def _summary(sections: list[Section]) -> list[str]:
    lines = []
    for s in sections:
        for r in s.results:
            if r.over and r.budget is not None:
                lines.append(
                    f"- OVER: *{r.name}* — {r.budget.stat} {report._num(r.held(), r.unit)} "
                    f"{r.unit} against < {report._num(r.budget.limit, r.unit)} {r.unit}"
                )
    if NOTES.exists():
        lines += ["", NOTES.read_text().strip()]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, 10 s idle")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/RESULTS.md"))
    parser.add_argument("--only", default=",".join(ALL), help=f"subset of {','.join(ALL)}")
    parser.add_argument("--worlds", default=",".join(WORLDS), help="subset of demo,large")
    parser.add_argument(
        "--render", action="store_true", help="rebuild the report from <out>.json only"
    )
    args = parser.parse_args(argv)
    raw = args.out.with_suffix(".json")
    if args.render:
        machine_rows, ordered, command, load_after = load_sections(raw)
        ordered = _with_soak([x for x in ordered if not x.title.startswith("Soak")])
        text = report.render(machine_rows, ordered, _summary(ordered), command, load_after)
        args.out.write_text(text)
        _say(f"re-rendered {args.out} from {raw}")
        return 0
    only = [x for x in args.only.split(",") if x]
    worlds = [x for x in args.worlds.split(",") if x]
    unknown = (set(only) - set(ALL)) | (set(worlds) - set(WORLDS))
    if unknown:
        parser.error(f"unknown: {', '.join(sorted(unknown))}")

    machine_rows = machine.describe()
    sections: dict[str, Section] = {}
    started = time.monotonic()
    if "model" in only:
        from benchmarks import bench_model

        _say("model at scale")
        _merge(sections, "model", bench_model.run(args.quick))

    server_benches: list[tuple[str, Callable[..., Section]]] = []
    if "poll" in only:
        from benchmarks import bench_poll

        server_benches.append(("poll", bench_poll.run))
    if "tui" in only:
        from benchmarks import bench_tui

        server_benches.append(("tui", bench_tui.run))
    if "process" in only:
        from benchmarks import bench_process

        _say("cold --version and imports")
        _merge(sections, "process", bench_process.run_cold(args.quick))
        server_benches.append(("process", bench_process.run))
    if server_benches:
        from benchmarks.world import world

        for name in worlds:
            _say(f"starting world {name}")
            with world(name) as w:
                for bench, fn in server_benches:
                    _say(f"{bench} on {name}")
                    _merge(sections, bench, fn([w], args.quick))
            _say(f"world {name} stopped")

    if "screen" in only:
        from benchmarks import bench_screen, screen_report
        from benchmarks.world import world

        _say("starting world demo for the screen benchmark")
        with world("demo") as w:
            phases = bench_screen.measure_all(w, args.quick, _say)
        sections["screen"] = screen_report.section(phases, args.quick, machine.load())

    ordered = [sections[k] for k in ALL if k in sections]
    command = "python -m benchmarks.run" + (" --quick" if args.quick else "")
    if args.only != ",".join(ALL):
        command += f" --only {args.only}"
    load_after = machine.load()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_sections(raw, machine_rows, ordered, command, load_after)
    ordered = _with_soak(ordered)
    text = report.render(machine_rows, ordered, _summary(ordered), command, load_after)
    args.out.write_text(text)
    _say(f"wrote {args.out} in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
