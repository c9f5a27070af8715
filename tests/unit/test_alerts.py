"""Parsing Alertmanager v2 alerts and silences: times, acks, order, malformed input."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from oncall_tui.demo import servers
from oncall_tui.model.alerts import (
    AlertReuse,
    parse_alerts,
    parse_alerts_counted,
    parse_optional_time,
    parse_silences,
    parse_silences_counted,
    parse_time,
)
from oncall_tui.model.fingerprint import fingerprint
from oncall_tui.model.severity import severity_rank
from waiting import wait_until

T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-11-14T22:13:20Z", T0),
        ("2023-11-14T22:13:20.5Z", T0 + 0.5),
        ("2023-11-14T22:13:20.123456789Z", T0 + 0.123456789),
        ("2023-11-15T00:13:20+02:00", T0),
        ("2023-11-14T20:43:20.25-01:30", T0 + 0.25),
        ("2023-11-14t22:13:20z", T0),
        ("1970-01-01T00:00:00Z", 0.0),
        ("0001-01-01T00:00:00Z", -62135596800.0),
    ],
)
def test_parse_time(text: str, expected: float) -> None:
    assert parse_time(text) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2023-11-14",
        "2023-11-14T22:13:20",  # no zone: ambiguous
        "2023-11-14T22:13:20.1234567890Z",  # 10 digits
        "2023-13-14T22:13:20Z",
        "2023-02-30T22:13:20Z",
        "2023-11-14T25:13:20Z",
    ],
)
def test_parse_time_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_time(text)


def test_optional_time_zero_and_absent_are_none() -> None:
    assert parse_optional_time("0001-01-01T00:00:00Z") is None
    assert parse_optional_time(None) is None
    assert parse_optional_time("") is None
    assert parse_optional_time("2023-11-14T22:13:20Z") == T0


@given(
    st.datetimes(
        min_value=datetime(1970, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
        ),
    ),
    st.integers(min_value=0, max_value=9),
)
def test_parse_time_round_trips(moment: datetime, digits: int) -> None:
    text = moment.isoformat(timespec="seconds")
    nanos = moment.microsecond * 1000 + 789  # digits 7-9: beyond what datetime holds
    fraction = f"{nanos:09d}"[:digits]
    if digits:
        text = text[:19] + "." + fraction + text[19:]
    expected = moment.replace(microsecond=0).timestamp() + (
        int(fraction) / 10**digits if digits else 0.0
    )
    assert parse_time(text.replace("+00:00", "Z")) == pytest.approx(expected, abs=1e-6)


def _silence(
    sid: str, state: str, ends: str, by: str, comment: str = "ACK! looking"
) -> dict[str, Any]:
    return {
        "id": sid,
        "matchers": [{"name": "alertname", "value": "A", "isRegex": False, "isEqual": True}],
        "startsAt": "2023-11-14T22:00:00Z",
        "endsAt": ends,
        "createdBy": by,
        "comment": comment,
        "status": {"state": state},
    }


def _alert(name: str, severity: str | None, starts: str, **status: Any) -> dict[str, Any]:
    labels = {"alertname": name}
    if severity is not None:
        labels["severity"] = severity
    return {
        "labels": labels,
        "annotations": {"summary": "[bold]not markup[/]"},
        "startsAt": starts,
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prom/graph",
        "fingerprint": fingerprint(labels),
        "receivers": [{"name": "team"}],
        "status": {"state": "active", "silencedBy": [], "inhibitedBy": [], **status},
    }


SILENCES = [
    _silence("s1", "active", "2023-11-15T00:00:00Z", "alice"),
    _silence("s2", "active", "2023-11-15T06:00:00Z", "bob"),
    _silence("s3", "expired", "2023-11-16T00:00:00Z", "carol"),
]


def test_parse_silences_keeps_matchers_verbatim() -> None:
    silences = parse_silences(SILENCES)
    assert [s.id for s in silences] == ["s1", "s2", "s3"]
    assert silences[0].matchers == (SILENCES[0]["matchers"][0],)
    assert silences[2].state == "expired"
    assert silences[1].ends_at == parse_time("2023-11-15T06:00:00Z")
    assert parse_silences([]) == ()
    assert parse_silences({"not": "a list"}) == ()


def test_parse_silences_skips_malformed() -> None:
    bad = [
        {"id": "x"},
        "string",
        {**SILENCES[0], "endsAt": "soon"},
        {**SILENCES[0], "matchers": "x"},
    ]
    assert parse_silences_counted([*bad, SILENCES[1]]) == (parse_silences([SILENCES[1]]), 4)


def test_parse_alerts_ack_from_the_active_silence_ending_last() -> None:
    silences = parse_silences(SILENCES)
    raw = [
        _alert(
            "A",
            "critical",
            "2023-11-14T22:00:00Z",
            state="suppressed",
            silencedBy=["s1", "s2", "s3", "unknown"],
        ),
    ]
    (alert,) = parse_alerts(raw, silences)
    assert alert.acked_by == "bob"  # s3 lasts longer but is expired
    assert alert.acked_until == parse_time("2023-11-15T06:00:00Z")
    assert alert.ends_at is None
    assert alert.receivers == ("team",)
    assert alert.display_state == "silenced"
    assert alert.annotations["summary"] == "[bold]not markup[/]"
    assert not alert.ack_pending
    assert alert.acked
    assert [s.id for s in alert.muted_by] == ["s3", "s2", "s1"]  # longest first; "unknown" dropped


def test_only_an_ack_silence_acks_other_silences_only_silence() -> None:
    """Bob's maintenance silence mutes the alert but nobody acknowledged it."""
    silences = parse_silences(
        [
            _silence("maint", "active", "2023-11-16T00:00:00Z", "bob@ops", "maintenance CHG-123"),
            _silence("ack", "active", "2023-11-15T00:00:00Z", "alice", "ACK!on it"),
            _silence("karma", "active", "2023-11-15T01:00:00Z", "carol", "  ACK! karma"),
        ]
    )
    assert [s.ack for s in silences] == [False, True, True]
    only_maint = _alert("A", "critical", "2023-11-14T22:00:00Z", silencedBy=["maint"])
    both = _alert("A", "critical", "2023-11-14T22:00:00Z", silencedBy=["maint", "ack"])
    (alert,) = parse_alerts([only_maint], silences)
    assert alert.display_state == "silenced"
    assert not alert.acked
    assert alert.acked_by is None and alert.acked_until is None
    assert [s.created_by for s in alert.other_silences] == ["bob@ops"]
    (alert,) = parse_alerts([both], silences)
    assert alert.acked and alert.acked_by == "alice"
    assert alert.acked_until == parse_time("2023-11-15T00:00:00Z")
    assert [s.comment for s in alert.other_silences] == ["maintenance CHG-123"]


def test_parse_alerts_pending_ack_and_inhibited() -> None:
    raw = [_alert("B", "warning", "2023-11-14T22:00:00Z", inhibitedBy=["abc"])]
    (alert,) = parse_alerts(
        raw, (), pending_acks=[fingerprint({"alertname": "B", "severity": "warning"})]
    )
    assert alert.ack_pending
    assert alert.inhibited_by == ("abc",)
    assert alert.display_state == "inhibited"
    assert alert.acked_by is None


def test_parse_alerts_sort_order() -> None:
    raw = [
        _alert("Z", None, "2023-11-14T22:00:00Z"),
        _alert("W1", "warning", "2023-11-14T20:00:00Z"),
        _alert("W2", "warning", "2023-11-14T21:00:00Z"),
        _alert("C", "critical", "2023-11-14T10:00:00Z"),
        _alert("E", "Error", "2023-11-14T10:00:00Z"),
        _alert("B", "warning", "2023-11-14T21:00:00Z"),
    ]
    names = [a.alertname for a in parse_alerts(raw, ())]
    assert names == ["C", "E", "B", "W2", "W1", "Z"]


def test_parse_alerts_skips_malformed_and_counts_them() -> None:
    good = _alert("A", "info", "2023-11-14T22:00:00Z")
    bad = [
        {**good, "labels": None},
        {**good, "labels": {"alertname": 5}},
        {**good, "startsAt": "not a time"},
        {**good, "status": None},
        {**good, "endsAt": 12},
        42,
    ]
    no_fp = {k: v for k, v in good.items() if k != "fingerprint"}
    alerts, skipped = parse_alerts_counted([*bad, good, no_fp], ())
    assert skipped == len(bad)
    assert [a.fingerprint for a in alerts] == [good["fingerprint"]] * 2
    assert parse_alerts([], ()) == ()
    assert parse_alerts(None, ()) == ()


# --- re-use across polls ---------------------------------------------------------------


def _texts(raw: list[Any]) -> list[bytes]:
    """Each entry's JSON text, as AlertmanagerClient.alert_entries gives them."""
    return [orjson.dumps(entry) for entry in raw]


def _storm(n: int) -> list[dict[str, Any]]:
    return [
        _alert(f"A{i}", ("critical", "warning", None)[i % 3], f"2023-11-14T{i % 24:02d}:00:00Z")
        for i in range(n)
    ]


def test_reuse_keeps_the_objects_of_unchanged_entries() -> None:
    raw, silences = _storm(30), parse_silences(SILENCES)
    reuse = AlertReuse()
    first, skipped = reuse.parse_counted(_texts(raw), silences)
    assert (first, skipped) == parse_alerts_counted(raw, silences)
    again, _ = reuse.parse_counted(_texts(raw), silences)  # new bytes, the same text
    assert again is first  # nothing changed: not even re-sorted


def test_reuse_shows_a_changed_annotation_and_keeps_the_rest() -> None:
    raw = _storm(10)
    reuse = AlertReuse()
    first, _ = reuse.parse_counted(_texts(raw), ())
    raw[3] = {**raw[3], "annotations": {"summary": "now on fire"}}
    second, _ = reuse.parse_counted(_texts(raw), ())
    assert second == parse_alerts(raw, ())
    changed = [a for a in second if a.alertname == "A3"]
    assert [a.annotations["summary"] for a in changed] == ["now on fire"]
    kept = {id(a) for a in first}
    assert [a.alertname for a in second if id(a) not in kept] == ["A3"]


def test_reuse_shows_each_change_of_a_silence_or_a_pending_ack() -> None:
    """The entry's text stays the same; its ack comes from the silences and the outbox."""
    raw = [_alert("A", "critical", "2023-11-14T22:00:00Z", silencedBy=["s1"], state="suppressed")]
    fp = raw[0]["fingerprint"]
    texts = _texts(raw)
    extended = {**SILENCES[0], "endsAt": "2023-11-15T09:00:00Z"}
    expired = {**SILENCES[0], "status": {"state": "expired"}}
    maintenance = {**SILENCES[0], "comment": "maintenance"}
    polls: list[tuple[list[dict[str, Any]], list[str]]] = [
        ([SILENCES[0]], []),
        ([extended], []),  # the ack was extended: a later end
        ([expired], []),  # expired: no longer acknowledged
        ([], [fp]),  # the silence is gone; an ack waits in the outbox
        ([maintenance], []),  # a silence that is not an ack
        ([SILENCES[0]], []),
    ]
    reuse = AlertReuse()
    shown = []
    for raw_silences, pending in polls:
        silences = parse_silences(raw_silences)
        (alert,), _ = reuse.parse_counted(texts, silences, pending)
        assert (alert,) == parse_alerts(raw, silences, pending)
        shown.append((alert.acked_by, alert.acked_until, alert.ack_pending))
    ends = parse_time(SILENCES[0]["endsAt"])
    assert shown == [
        ("alice", ends, False),
        ("alice", parse_time("2023-11-15T09:00:00Z"), False),
        (None, None, False),
        (None, None, True),
        (None, None, False),
        ("alice", ends, False),
    ]


def test_reuse_skips_and_counts_malformed_entries_every_poll() -> None:
    good = _alert("A", "info", "2023-11-14T22:00:00Z")
    bad = [{**good, "labels": None}, {**good, "startsAt": "not a time"}, 42, "text"]
    texts = [*_texts([*bad, good]), b'{"labels": ', b"\xff"]
    reuse = AlertReuse()
    for _ in range(2):  # decoded at the first poll, remembered as malformed at the second
        alerts, skipped = reuse.parse_counted(texts, ())
        assert skipped == len(bad) + 2
        assert alerts == parse_alerts([good], ())


_VARIANTS = st.sampled_from(
    [
        {},
        {"annotations": {"summary": "changed"}},
        {"endsAt": "2023-11-15T00:00:00Z"},
        {"status": {"state": "suppressed", "silencedBy": ["s1"], "inhibitedBy": []}},
        {"status": {"state": "suppressed", "silencedBy": ["s2", "s3"], "inhibitedBy": []}},
        {"labels": None},
    ]
)


@given(
    st.lists(
        st.tuples(
            st.lists(st.tuples(st.integers(0, 5), _VARIANTS), max_size=6),
            st.lists(st.sampled_from(SILENCES), max_size=3, unique_by=lambda s: s["id"]),
            st.booleans(),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_reuse_always_gives_what_a_fresh_parse_gives(polls: list[Any]) -> None:
    storm = _storm(6)
    reuse = AlertReuse()
    for picks, raw_silences, ack_pending in polls:
        raw = [{**storm[i], **variant} for i, variant in picks]
        silences = parse_silences(raw_silences)
        pending = [storm[0]["fingerprint"]] if ack_pending else []
        assert reuse.parse_counted(_texts(raw), silences, pending) == parse_alerts_counted(
            raw, silences, pending
        )


# --- the same against a real Alertmanager ----------------------------------------------


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.Server]:
    try:
        server = servers.start_alertmanager(Path(tmp_path_factory.mktemp("am")))
    except servers.MissingBinary as e:
        pytest.skip(str(e))
    yield server
    server.stop()


@pytest.mark.servers
def test_real_alertmanager_alert_and_silence(alertmanager: servers.Server) -> None:
    now = datetime.now(UTC)
    labels = {"alertname": "DiskFull", "severity": "critical", "host": "db-1"}
    silence = {
        "matchers": [
            {"name": k, "value": v, "isRegex": False, "isEqual": True} for k, v in labels.items()
        ],
        "startsAt": now.isoformat(),
        "endsAt": (now + timedelta(hours=1)).isoformat(),
        "createdBy": "alice@host",
        "comment": "ACK! on it",
    }
    with httpx.Client(base_url=alertmanager.url, timeout=5.0) as client:
        client.post("/api/v2/alerts", json=[{"labels": labels, "startsAt": now.isoformat()}])
        sid = client.post("/api/v2/silences", json=silence).json()["silenceID"]

        def silenced() -> tuple[Any, ...]:
            silences = parse_silences(client.get("/api/v2/silences").json())
            alerts = parse_alerts(client.get("/api/v2/alerts").json(), silences)
            return alerts if alerts and alerts[0].silenced_by else ()

        alerts = wait_until(silenced, 15, "the alert to show as silenced")
    (alert,) = alerts
    assert alert.fingerprint == fingerprint(labels)
    assert alert.silenced_by == (sid,)
    assert alert.acked_by == "alice@host"
    assert alert.acked_until == pytest.approx((now + timedelta(hours=1)).timestamp(), abs=1e-3)
    assert alert.starts_at == pytest.approx(now.timestamp(), abs=1e-3)
    assert alert.state == "suppressed"
    assert alert.acked


def test_parse_10000_alerts() -> None:
    sevs = ["critical", "warning", "info", "none"]
    raw = [_alert(f"A{i}", sevs[i % 4], f"2023-11-14T{i % 24:02d}:00:00Z") for i in range(10_000)]
    silences = parse_silences(
        [_silence(f"s{i}", "active", "2023-11-15T00:00:00Z", "x") for i in range(1_000)]
    )
    alerts = parse_alerts(raw, silences, pending_acks=[a["fingerprint"] for a in raw[:10]])
    assert len(alerts) == 10_000
    assert [severity_rank(a.severity) for a in alerts] == sorted(
        severity_rank(a.severity) for a in alerts
    )
    assert sum(a.ack_pending for a in alerts) == 10


def test_alerts_decoded_apart_share_their_label_strings() -> None:
    alerts, _ = AlertReuse().parse_counted(_texts(_storm(4)), ())
    by_name = {a.alertname: a for a in alerts}
    a, b = by_name["A0"], by_name["A3"]  # both critical, each from its own text
    assert a.labels["severity"] == b.labels["severity"] == "critical"
    assert a.labels["severity"] is b.labels["severity"]
    assert next(iter(a.labels)) is next(iter(b.labels))


def test_reuse_takes_views_as_it_takes_bytes() -> None:
    raw, silences = _storm(12), parse_silences(SILENCES)
    body = b"".join(_texts(raw))
    views, at = [], 0
    for text in _texts(raw):
        views.append(memoryview(body)[at : at + len(text)])
        at += len(text)
    reuse = AlertReuse()
    first = reuse.parse_counted(views, silences)
    assert first == parse_alerts_counted(raw, silences)
    assert reuse.parse_counted(_texts(raw), silences)[0] is first[0]  # the same texts
