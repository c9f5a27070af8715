"""One SLO explained number by number: where its actual, budget, burn rates and alert
state come from, each as a ratio of numbers shown on the same screen."""

from __future__ import annotations

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from oncall_tui.durations import format_duration
from oncall_tui.model.slo import PAGE_RULES, PERIOD, TICKET_RULES, allowed_ratio
from oncall_tui.model.snapshot import BURN_WINDOWS, Slo
from oncall_tui.text import clean
from oncall_tui.units import NA, number, percent

from .detail import DetailScreen, kv_grid

SOURCES = {
    "config": "[[slos]] in the config",
    "sloth": "discovered from Sloth recording rules (slo:sli_error:ratio_rate*)",
    "pyrra": "discovered from Pyrra recording rules (…:burnrate*, pyrra_objective)",
}


def _rate(x: float | None) -> str:
    return NA if x is None else f"{number(x)}/s"


def _ratio_source(slo: Slo, key: str) -> str:
    bad, total = slo.rates.get(key, (None, None))
    if total is None:
        return slo.notes.get(key, "")
    return f"{_rate(bad or 0.0)} bad ÷ {_rate(total)} all"


def explain_lines(slo: Slo) -> list[tuple[str, str]]:
    """(what, how it was computed) for the facts at the top."""
    allowed = allowed_ratio(slo.objective)
    period = format_duration(slo.period_s)
    out = [
        ("source", SOURCES.get(slo.source, slo.source)),
        (
            "objective",
            f"{percent(slo.objective)} good over {period}: an error budget of "
            f"{percent(allowed)} of all events may fail",
        ),
    ]
    ratio = slo.error_ratio
    if ratio is None:
        why = slo.error or slo.notes.get(PERIOD, "no data")
        out.append(("actual", f"unknown over {period}: {why}"))
        out.append(("budget left", "unknown (needs the period's error ratio)"))
        out.append(("met", "unknown"))
    else:
        src = _ratio_source(slo, PERIOD)
        out.append(
            (
                "actual",
                f"{percent(1 - ratio)} good = 1 − error ratio {percent(ratio)}"
                + (f" ({src}, averaged over {period})" if src else f" over {period}"),
            )
        )
        budget = slo.budget_remaining or 0.0
        spent = (
            f"overspent by {percent(-budget)}"
            if budget < 0
            else f"{percent(1 - budget)} of it spent"
        )
        out.append(
            (
                "budget left",
                f"{percent(budget)} = 1 − {percent(ratio)} ÷ {percent(allowed)} ({spent})",
            )
        )
        verdict = "met" if slo.met else "missed"
        sign = "≤" if slo.met else ">"
        out.append(("met", f"{verdict}: error ratio {percent(ratio)} {sign} {percent(allowed)}"))
    state = slo.alert or "unknown"
    why = "; ".join(slo.reasons) if slo.reasons else "no alert rule reached"
    out.append(("alert", f"{state}: {why}"))
    return out


def burn_table(slo: Slo) -> Table:
    allowed = allowed_ratio(slo.objective)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name, justify in (
        ("window", "left"),
        ("error ratio", "right"),
        ("burn rate", "right"),
        ("from", "left"),
    ):
        table.add_column(name, justify=justify, no_wrap=name != "from")  # type: ignore[arg-type]
    for key, _ in BURN_WINDOWS:
        ratio = slo.ratios.get(key)
        burn = slo.burn_rates.get(key)
        table.add_row(
            key,
            NA if ratio is None else percent(ratio),
            NA if burn is None else f"{burn:.2f} = {percent(ratio or 0)} ÷ {percent(allowed)}",
            Text(clean(_ratio_source(slo, key) or slo.notes.get(key, ""), one_line=True)),
        )
    return table


def rules_table(slo: Slo) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name in ("state", "rule", "now"):
        table.add_column(name, no_wrap=name != "now")
    for state, rules in (("page", PAGE_RULES), ("ticket", TICKET_RULES)):
        for long, short, threshold in rules:
            values = [slo.burn_rates.get(w) for w in (long, short)]
            shown = ", ".join(
                f"{w} {NA if v is None else f'{v:.2f}'}"
                for w, v in zip((long, short), values, strict=True)
            )
            table.add_row(state, f"{long} and {short} both ≥ {threshold:g}", shown)
    return table


class SloDetailScreen(DetailScreen):
    def __init__(self, slo: Slo) -> None:
        super().__init__()
        self.slo = slo
        title = Text(" SLO ")
        title.append(clean(slo.name, one_line=True))
        title.append(f" · {percent(slo.objective)} over {format_duration(slo.period_s)} ")
        self._panel_title = title

    def parts(self) -> list[RenderableType | Widget]:
        grid = kv_grid()
        for what, how in explain_lines(self.slo):
            grid.add_row(Text(what, "bold"), Text(clean(how)))
        parts: list[RenderableType | Widget] = [grid]
        if self.slo.error:
            parts.append(Text("error: " + clean(self.slo.error), "bold"))
        parts += [
            self.heading("Burn rates (1 = spending the budget exactly over the period)"),
            burn_table(self.slo),
            self.heading("Multiwindow alert rules (SRE Workbook)"),
            rules_table(self.slo),
        ]
        return parts
