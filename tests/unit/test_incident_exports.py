"""Export (csv / json / markdown) and the handover report: parsed back, numbers from the
rows, outside text escaped; the journal set aside when damaged or newer."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from html.parser import HTMLParser
from pathlib import Path

import pytest

from oncall_tui.cli_journal import parse_when
from oncall_tui.journal import SCHEMA_VERSION, Journal, JournalError
from oncall_tui.journal.recover import open_or_set_aside
from oncall_tui.model.handover import handover
from oncall_tui.model.snapshot import Incident, IncidentRun, Slo, Slos
from oncall_tui.render.incidents_out import export
from oncall_tui.render.report_out import report, slo_table
from oncall_tui.text import csv_text, html_text, markdown_text

T0 = 1_764_000_000.0
EVIL = "<script>alert(1)</script> | **bold** [x](http://e) \x1b[31m=cmd"
RESTART = IncidentRun("restart-api", "alice", T0 + 100, T0 + 110, True, 0)
FAILED = IncidentRun("restart-api", "bob", T0 + 90, T0 + 95, False, 2)
ROWS = [
    Incident(
        "HighLatency",
        "critical",
        "resolved",
        T0,
        T0 + 600,
        {"alertname": "HighLatency", "severity": "critical", "service": EVIL},
        acked_at=T0 + 60,
        acked_by="alice",
        runbooks=(FAILED, RESTART),
        id=1,
    ),
    Incident("Flappy", "warning", "resolved", T0 + 1000, T0 + 1100, {}, id=2, seen="history"),
    Incident(
        EVIL, "warning", "firing", T0 + 2000, None, {}, acked_at=T0 + 2030, acked_by=EVIL, id=3
    ),
    Incident("Old", "info", "resolved", T0 - 9000, T0 - 8000, {}, id=4, seen="pre-journal"),
]
END = T0 + 3000


def test_csv_parses_back_and_defuses_formulas() -> None:
    text = export(ROWS, "csv", T0 - 10_000, END)
    assert "\x1b" not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    first = rows[0]
    assert (first["tta_s"], first["ttr_s"], first["acked_by"]) == ("60", "600", "alice")
    assert first["runbooks"] == "restart-api failed (exit 2); restart-api ok (exit 0)"
    assert json.loads(first["labels"])["service"] == EVIL  # JSON-escaped in the cell
    assert rows[2]["resolved_at"] == "" and rows[2]["ttr_s"] == ""
    assert csv_text("=HYPERLINK(1)") == "'=HYPERLINK(1)" and csv_text("-1") == "'-1"
    assert csv_text("fine") == "fine"


def test_json_has_snapshot_keys_and_runbooks() -> None:
    data = json.loads(export(ROWS, "json", T0 - 10_000, END))
    assert data["count"] == 4
    assert data["mtta_s"] == pytest.approx((60 + 30) / 2)
    assert data["mttr_s"] == pytest.approx((600 + 100 + 1000) / 3)
    first = data["incidents"][0]
    for key in ("alertname", "severity", "status", "started_at", "resolved_at"):
        assert key in first
    assert first["runbooks"][1] == {
        "runbook": "restart-api",
        "by": "alice",
        "started_at": "2025-11-24T16:01:40Z",
        "ended_at": "2025-11-24T16:01:50Z",
        "ok": True,
        "exit_code": 0,
    }
    assert [i["seen"] for i in data["incidents"]] == ["live", "history", "live", "pre-journal"]


def test_markdown_escapes_outside_text() -> None:
    md = export(ROWS, "markdown", T0 - 10_000, END)
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "\\*\\*bold\\*\\*" in md and "\\[x\\]" in md and "\x1b" not in md
    for line in md.splitlines():
        if line.startswith("| "):  # every row has exactly the header's columns
            assert len(re.findall(r"(?<!\\)\|", line)) == 10
    assert markdown_text("a|b") == "a\\|b"


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_report_numbers_are_the_rows_and_html_is_escaped_and_self_contained() -> None:
    h = handover(ROWS, [RESTART, FAILED], T0 - 100, END)
    assert len(h.incidents) == 3  # the pre-journal one ended before the period
    assert (h.firing, h.acked, h.resolved) == (1, 2, 2)
    assert h.mtta_s == pytest.approx(45.0) and h.mttr_s == pytest.approx(350.0)
    assert [i.alertname for i in h.false_alarms] == ["Flappy"]  # 100 s, nobody acked
    assert sorted((p.name, p.acks) for p in h.acks_by_person) == sorted([("alice", 1), (EVIL, 1)])
    (line,) = h.runbooks
    assert (line.runs, line.succeeded, line.failed, line.success_rate) == (2, 1, 1, 0.5)
    md = report(h, "markdown", "made by a test")
    assert "- Incidents: 3 (1 still firing)" in md
    assert "- MTTA: 45s over 2 acked incidents" in md
    assert "- MTTR: 5m 50s over 2 resolved incidents" in md
    assert "| critical | 1 | 0 | 1 | 1m | 10m | 10m |" in md
    assert "<script>" not in md
    page = report(h, "html", "made by a test")
    parsed = _Text()
    parsed.feed(page)
    assert "script" not in parsed.tags and "img" not in parsed.tags and "link" not in parsed.tags
    assert EVIL.replace("\x1b[31m", "") in "".join(parsed.text)  # shown literally
    assert "@media print" in page and "src=" not in page and "href=" not in page
    assert html_text('"x"') == "&quot;x&quot;"


def test_incidents_outside_the_period_are_left_out_of_the_report() -> None:
    h = handover([], [], T0, END)
    assert (h.mtta_s, h.mttr_s, h.runs_success_rate) == (None, None, None)
    assert "None." in report(h, "markdown", "")


def test_parse_when() -> None:
    assert parse_when("7d", 1_000_000.0) == 1_000_000.0 - 7 * 86400
    assert parse_when("2026-11-24T09:00Z", 0.0) == 1_795_510_800.0
    with pytest.raises(ValueError, match="neither a duration"):
        parse_when("last tuesday", 0.0)


def test_a_damaged_journal_is_set_aside_and_a_fresh_one_started(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    path.write_bytes(b"this is not a database at all, not even close" * 100)
    journal, notice = open_or_set_aside(path)
    with journal:
        assert journal.schema_version() == SCHEMA_VERSION
    assert notice is not None and "moved to" in notice
    (aside,) = tmp_path.glob("journal.sqlite3.damaged-*")
    assert aside.read_bytes().startswith(b"this is not")


def test_a_newer_journal_is_set_aside_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    Journal(path).close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION + 5,))
    db.commit()
    db.close()
    with pytest.raises(JournalError):
        Journal(path)
    journal, notice = open_or_set_aside(path)
    journal.close()
    assert notice is not None and "newer" in notice
    (aside,) = tmp_path.glob("journal.sqlite3.newer-*")
    db = sqlite3.connect(aside)
    assert db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION + 5
    db.close()


def test_trouble_that_is_not_the_files_is_not_set_aside(tmp_path: Path) -> None:
    blocked = tmp_path / "no-such-dir-file"
    blocked.write_text("")  # a file where the journal's directory should be
    with pytest.raises((JournalError, OSError)):
        open_or_set_aside(blocked / "journal.sqlite3")
    assert blocked.exists()


def test_report_has_slo_compliance_when_slos_are_configured() -> None:
    h = handover(ROWS, [], T0 - 100, END)
    slos = Slos(
        items=(
            Slo("checkout availability", 0.999, 30 * 86400.0, 0.0004, 0.6, {}, "none", True),
            Slo(EVIL, 0.99, 7 * 86400.0, None, None, {}, None, None, error="no data"),
        )
    )
    md = report(h, "markdown", "", slo_table(slos, offline=False))
    assert "## SLO compliance" in md and "1 of 1 met" in md
    assert "| checkout availability | 99.9 % | 30d | 99.96 % | 60 % | met |  |" in md
    assert "| unknown | no data |" in md and "<script>" not in md
    assert md.index("## SLO compliance") < md.index("## All incidents")
    assert "SLO compliance" not in report(h, "markdown", "", slo_table(Slos(), offline=False))
    offline = report(h, "html", "", slo_table(None, offline=True))
    assert "Not measured: --offline" in offline
