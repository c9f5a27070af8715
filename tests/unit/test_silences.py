"""Silence bodies, matcher semantics and the "ours" / until-resolved markers."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oncall_tui.actions.outbox import AckResult, Delivery
from oncall_tui.actions.silences import (
    UNTIL_RESOLVED_MARK,
    EmptyMatchers,
    ack_comment,
    ack_text,
    covering,
    duplicate_groups,
    identical_acks,
    is_ours,
    is_until_resolved,
    matcher_key,
    matcher_matches,
    matchers_for,
    rfc3339,
    silence_for,
    until_resolved_step,
)
from oncall_tui.model.alerts import parse_time
from oncall_tui.model.snapshot import Alert, Silence

label_names = st.text(
    alphabet=st.characters(categories=("Ll", "Lu", "Nd"), include_characters="_"),
    min_size=1,
    max_size=12,
)
label_values = st.one_of(st.just(""), st.text(max_size=20))  # unicode, empty included
label_sets = st.dictionaries(label_names, label_values, max_size=8)


def alert(labels: dict[str, str]) -> Alert:
    return Alert("fp", labels, {}, "active", 0.0)


def silence(
    matchers: list[dict[str, object]],
    *,
    sid: str = "s1",
    comment: str = "ACK! x",
    by: str = "me",
    state: str = "active",
    ends_at: float = 100.0,
) -> Silence:
    return Silence(sid, tuple(matchers), 0.0, ends_at, by, comment, state)


def test_silence_body_has_exact_matchers_author_comment_and_times() -> None:
    body = silence_for(
        {"alertname": "HighLatency", "service": "api", "empty": ""},
        starts_at=1_700_000_000.0,
        ends_at=1_700_003_600.5,
        created_by="alice@host",
        comment="looking",
    )
    assert body == {
        "matchers": [
            {"name": "alertname", "value": "HighLatency", "isRegex": False, "isEqual": True},
            {"name": "service", "value": "api", "isRegex": False, "isEqual": True},
        ],
        "startsAt": "2023-11-14T22:13:20.000Z",
        "endsAt": "2023-11-14T23:13:20.500Z",
        "createdBy": "alice@host",
        "comment": "ACK! looking",
    }


def test_until_resolved_marker_round_trips_through_the_comment() -> None:
    body = silence_for(
        {"a": "b"}, starts_at=0, ends_at=1, created_by="u", comment="  x ", until_resolved=True
    )
    comment = str(body["comment"])
    assert comment == "ACK! x [until-resolved, every 1s]"
    s = silence([{"name": "a", "value": "b"}], comment=comment)
    assert is_ours(s) and is_until_resolved(s)
    assert until_resolved_step(s) == 1.0
    assert ack_text(comment) == "x"
    bare = silence([], comment=f"ACK! x {UNTIL_RESOLVED_MARK}")  # older copies wrote this
    assert is_until_resolved(bare) and until_resolved_step(bare) is None
    assert not is_until_resolved(silence([], comment="ACK! x"))
    # Someone else's silence that mentions the marker is not ours to extend.
    assert not is_until_resolved(silence([], comment=f"maintenance {UNTIL_RESOLVED_MARK}"))


def test_an_alert_without_label_values_cannot_be_silenced() -> None:
    with pytest.raises(EmptyMatchers):
        silence_for({"a": ""}, starts_at=0, ends_at=1, created_by="u", comment="c")


@given(label_sets)
def test_silence_for_covers_exactly_its_alert(labels: dict[str, str]) -> None:
    matchers = matchers_for(labels)
    assert [m["name"] for m in matchers] == sorted(k for k, v in labels.items() if v)
    if not matchers:
        return
    s = silence(matchers)
    assert covering(alert(labels), [s]) == [s]
    # Any label with a value changed -> not covered any more.
    name = str(matchers[0]["name"])
    assert covering(alert({**labels, name: labels[name] + "x"}), [s]) == []
    # Extra labels on the alert do not matter; a missing one does.
    assert covering(alert({**labels, "zz_extra": "1"}), [s]) == [s]
    assert covering(alert({k: v for k, v in labels.items() if k != name}), [s]) == []


@given(st.text(max_size=15))
def test_regex_matchers_are_anchored_at_both_ends(value: str) -> None:
    exact = {"name": "a", "value": re.escape(value), "isRegex": True}
    assert matcher_matches(exact, {"a": value})
    assert not matcher_matches(exact, {"a": value + "x"})
    assert not matcher_matches(exact, {"a": "x" + value})


@pytest.mark.parametrize(
    ("matcher", "labels", "expected"),
    [
        ({"name": "a", "value": "b"}, {"a": "b"}, True),  # isEqual absent = equal
        ({"name": "a", "value": "b", "isEqual": False}, {"a": "b"}, False),
        ({"name": "a", "value": "b", "isEqual": False}, {"a": "c"}, True),
        ({"name": "a", "value": "", "isEqual": True}, {}, True),  # absent label == ""
        ({"name": "a", "value": "b|c", "isRegex": True}, {"a": "c"}, True),
        ({"name": "a", "value": "b|c", "isRegex": True}, {"a": "bc"}, False),
        ({"name": "a", "value": "b.*", "isRegex": True, "isEqual": False}, {"a": "bx"}, False),
        ({"name": "a", "value": "(", "isRegex": True}, {"a": "("}, False),  # bad regex
        ({"name": "a", "value": 3}, {"a": "3"}, False),  # malformed from outside
    ],
)
def test_matcher_semantics(
    matcher: dict[str, object], labels: dict[str, str], expected: bool
) -> None:
    assert matcher_matches(matcher, labels) is expected


def test_covering_lists_only_active_silences_longest_first() -> None:
    m = [{"name": "a", "value": "b", "isRegex": False, "isEqual": True}]
    short = silence(m, sid="short", ends_at=50)
    long = silence(m, sid="long", ends_at=500, comment="by hand", by="bob")
    expired = silence(m, sid="old", state="expired")
    empty = silence([], sid="empty")  # no matchers: matches nothing
    assert covering(alert({"a": "b"}), [short, expired, long, empty]) == [long, short]


def test_identical_acks_ignore_matcher_order_and_need_our_marker_and_author() -> None:
    m = matchers_for({"a": "1", "b": "2"})
    ours = silence(list(reversed(m)), sid="x")
    assert identical_acks([ours], m, "me") == [ours]
    assert identical_acks([ours], m, "other") == []
    assert identical_acks([silence(m, comment="manual")], m, "me") == []
    assert identical_acks([silence(m, state="expired")], m, "me") == []
    assert identical_acks([ours], matchers_for({"a": "1"}), "me") == []


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2)), min_size=1, max_size=8))
def test_duplicate_groups_pick_the_same_keeper_in_any_order(
    members: list[tuple[int, int]],
) -> None:
    m = matchers_for({"alertname": "A"})
    silences = [
        silence(m, sid=f"id{i}-{ends}", ends_at=100.0 + ends) for i, (ends, _) in enumerate(members)
    ]
    shuffled = list(silences)
    random.Random(len(members)).shuffle(shuffled)
    groups = duplicate_groups(silences)
    assert groups == duplicate_groups(shuffled)
    if len(silences) == 1:
        assert groups == []
        return
    ((keeper, extra),) = groups
    assert keeper.ends_at == max(s.ends_at for s in silences)
    assert {keeper.id, *(s.id for s in extra)} == {s.id for s in silences}


def test_duplicates_only_among_same_author_and_flag() -> None:
    m = matchers_for({"alertname": "A"})
    a = silence(m, sid="a")
    b = silence(m, sid="b", by="bob")
    c = silence(m, sid="c", comment=ack_comment("x", until_resolved=True))
    d = silence(m, sid="d", comment="manual")
    assert duplicate_groups([a, b, c, d]) == []
    assert duplicate_groups([a, silence(m, sid="a2")]) == [(a, [silence(m, sid="a2")])]


@given(st.floats(min_value=0, max_value=4e9, allow_nan=False))
def test_rfc3339_round_trips_to_the_millisecond(ts: float) -> None:
    assert parse_time(rfc3339(ts)) == pytest.approx(ts, abs=0.0011)


def test_matcher_key_normalises_defaults() -> None:
    assert matcher_key([{"name": "a", "value": "b"}]) == matcher_key(
        [{"name": "a", "value": "b", "isRegex": False, "isEqual": True}]
    )


def test_the_marker_cannot_come_in_through_the_users_text() -> None:
    comment = ack_comment(f"fix {UNTIL_RESOLVED_MARK}", until_resolved=False)
    assert not is_until_resolved(silence([], comment=comment))
    assert comment == "ACK! fix"


def test_ack_result_words_for_one_alert_and_for_a_group() -> None:
    ok = Delivery("a", "delivered", "acknowledged via http://am1: silence s1", "s1")
    down = Delivery("b", "pending", "ack pending, retrying in 1s: no Alertmanager answered")
    one = AckResult((ok,), {"http://am2": "http://am2: connection refused"})
    assert one.status == "delivered" and one.ok and one.silence_ids == ("s1",)
    assert one.message == (
        "acknowledged via http://am1: silence s1; skipped http://am2: connection refused"
    )
    group = AckResult((ok, ok, down, ok))
    assert group.status == "pending" and not group.ok
    assert group.message == (
        "3 delivered, 1 pending — ack pending, retrying in 1s: no Alertmanager answered"
    )
    bad = Delivery("c", "rejected", "rejected by the Alertmanager (400): bad")
    assert AckResult((down, bad)).status == "rejected"


@given(
    st.integers(min_value=1, max_value=30 * 86400),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
)
def test_until_resolved_step_round_trips_and_user_text_cannot_forge_it(
    step: int, text: str
) -> None:
    forged = f"{text} [until-resolved, every 9d]"
    comment = ack_comment(forged, until_resolved=True, step_s=float(step))
    s = silence([], comment=comment)
    assert is_until_resolved(s)
    assert until_resolved_step(s) == float(step)
    assert not is_until_resolved(silence([], comment=ack_comment(forged)))


# -- what `u` may expire at once -------------------------------------------------------


def _m(name: str, value: str, regex: bool = False, equal: bool = True) -> dict[str, object]:
    return {"name": name, "value": value, "isRegex": regex, "isEqual": equal}


def _sil(sid: str, comment: str, *matchers: dict[str, object], by: str = "alice") -> Silence:
    return Silence(sid, matchers, 0.0, 9e9, by, comment, "active", ack=comment.startswith("ACK!"))


def _muted(name: str, inst: str, *silences: Silence) -> Alert:
    return Alert(
        f"fp-{name}-{inst}",
        {"alertname": name, "instance": inst},
        {},
        "suppressed",
        0.0,
        silenced_by=tuple(s.id for s in silences),
        muted_by=silences,
    )


def test_unack_choices_only_this_groups_exact_ack_is_safe() -> None:
    from oncall_tui.actions.silences import unack_choices

    ack = _sil("ack", "ACK! on it", _m("alertname", "Disk"), _m("instance", "a"))
    group_ack = _sil("gack", "ACK! karma", _m("alertname", "Disk"))  # the whole group
    maint = _sil("maint", "maintenance CHG-123", _m("instance", "a"), by="bob@ops")
    regex = _sil("re", "ACK! regex", _m("alertname", "Disk|Cpu", regex=True))
    wide = _sil("wide", "ACK! wide", _m("instance", "a"))
    disk_a = _muted("Disk", "a", ack, group_ack, maint, regex, wide)
    disk_b = _muted("Disk", "b", group_ack, regex)
    cpu_a = _muted("Cpu", "a", maint, regex, wide)
    alerts = [disk_a, disk_b, cpu_a]
    got = {c.silence.id: c for c in unack_choices(disk_a, alerts)}
    assert got["ack"].safe and len(got["ack"].mutes) == 1
    assert got["gack"].safe and len(got["gack"].mutes) == 2  # only its own group
    assert not got["maint"].safe and got["maint"].outside_group == 1
    assert any("not an ack" in r for r in got["maint"].reasons)
    assert not got["re"].safe and any("not exact" in r for r in got["re"].reasons)
    assert not got["wide"].safe and got["wide"].outside_group == 1
    # A pending (not yet active) silence cannot be what `u` un-acks now.
    pending = Silence("p", (_m("alertname", "Disk"),), 0.0, 9e9, "x", "ACK! later", "pending")
    assert unack_choices(_muted("Disk", "a", pending), alerts) == []
