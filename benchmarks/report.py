"""The Markdown report: machine, budgets with their reasons, one table per benchmark,
and for every row over its budget the profile that says where the time went.

Everything written comes from our own measurements and from the servers' `--version`
lines; pipes are escaped so that a value never breaks a table.
"""

from __future__ import annotations

import math

from benchmarks.stats import Budget, Result, Section


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _num(value: float, unit: str) -> str:
    if math.isnan(value):
        return "—"
    if unit in ("ms", "MB") and value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:,.1f}"
    return f"{value:.2f}"


def _budget(b: Budget | None, unit: str) -> str:
    if b is None:
        return "—"
    return f"{b.stat} < {_num(b.limit, unit)} {unit}"


def _table(results: list[Result]) -> list[str]:
    rows = [
        "| benchmark | n | median | p95 | max | budget | verdict |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        verdict = f"**{r.verdict}**" if r.over else r.verdict
        rows.append(
            f"| {_cell(r.name)} | {len(r.samples)} | {_num(r.median, r.unit)} {r.unit} "
            f"| {_num(r.p95, r.unit)} {r.unit} | {_num(r.max, r.unit)} {r.unit} "
            f"| {_budget(r.budget, r.unit)} | {verdict} |"
        )
    return rows


def _budgets(sections: list[Section]) -> list[str]:
    seen: dict[str, Budget] = {}
    units: dict[str, str] = {}
    for s in sections:
        for r in s.results:
            if r.budget is not None and r.budget.why not in seen:
                seen[r.budget.why] = r.budget
                units[r.budget.why] = r.unit
    return [f"- **{_budget(b, units[why])}** — {why}." for why, b in seen.items()]


def render(
    machine: list[tuple[str, str]],
    sections: list[Section],
    summary: list[str],
    command: str,
    load_after: str,
) -> str:
    over = [r for s in sections for r in s.results if r.over]
    passed = [r for s in sections for r in s.results if r.budget is not None and not r.over]
    out = [
        "# oncall-tui benchmarks",
        "",
        f"Measured by `{command}` (see `benchmarks/`); not run in CI. Numbers are wall "
        "time unless a row says otherwise. p95 is nearest-rank: with few samples it is "
        "the worst run. The machine is shared (other engineers' tests and demos ran "
        "meanwhile), so expect noise: the load average is given at start and end.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {_cell(k)} | {_cell(v)} |" for k, v in machine),
        f"| load average at end (1/5/15 min) | {_cell(load_after)} |",
        "",
        "## Verdict",
        "",
        f"{len(passed)} within budget, {len(over)} over.",
        "",
        *summary,
        "",
        "## Budgets and why",
        "",
        *_budgets(sections),
        "",
    ]
    for s in sections:
        out += [f"## {s.title}", "", s.how, ""]
        out += [f"- {n}" for n in s.notes]
        if s.notes:
            out.append("")
        out += _table(s.results)
        out.append("")
        details = [r for r in s.results if r.detail]
        if details:
            out += [f"- *{_cell(r.name)}*: {r.detail}" for r in details]
            out.append("")
        for r in s.results:
            if r.profile:
                out += [
                    f"<details><summary>Profile: <i>{r.name}</i></summary>",
                    "",
                    "```",
                    r.profile,
                    "```",
                    "",
                    "</details>",
                    "",
                ]
    return "\n".join(out).rstrip() + "\n"
