"""bucket_quantile must answer exactly what Prometheus' histogram_quantile answers."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from oncall_tui.demo import servers
from oncall_tui.model.quantiles import bucket_quantile, latency_from_buckets, quantile_history
from oncall_tui.model.series import Sample, Series
from oncall_tui.model.snapshot import QUANTILES
from oncall_tui.sections.memory import Derived

INF = math.inf
NAN = math.nan
B = [(0.1, 10.0), (0.5, 60.0), (1.0, 90.0), (INF, 100.0)]


@pytest.mark.parametrize(
    ("q", "buckets", "expected"),
    [
        (0.5, B, 0.1 + 0.4 * (40 / 50)),
        (0.05, B, 0.05),  # first bucket: interpolated from 0
        (0.1, B, 0.1),
        (0.9, B, 1.0),
        (0.95, B, 1.0),  # in the +Inf bucket: highest finite bound
        (1.0, B, 1.0),
        (0.0, B, 0.0),
        (-0.1, B, -INF),
        (1.1, B, INF),
        (NAN, B, NAN),
        (-0.1, [], -INF),  # the q checks come before anything else
        (0.5, [], NAN),
        (0.5, [(INF, 10.0)], NAN),  # fewer than 2 buckets
        (0.5, [(1.0, 5.0), (2.0, 10.0)], NAN),  # no +Inf bucket
        (0.5, [(1.0, 0.0), (INF, 0.0)], NAN),  # no observations
        (0.5, list(reversed(B)), 0.1 + 0.4 * (40 / 50)),  # order does not matter
        (0.5, [(1.0, 5.0), (1.0, 5.0), (INF, 10.0)], 0.5),  # equal bounds coalesce
        (0.5, [(0.1, 10.0), (0.5, 4.0), (INF, 20.0)], 0.1),  # forced monotonic
        (0.5, [(-1.0, 10.0), (INF, 10.0)], -1.0),  # first bound <= 0 is returned
        (0.25, [(0.0, 5.0), (1.0, 10.0), (INF, 10.0)], 0.0),
        (1.0, [(0.1, 10.0), (0.5, 10.0), (1.0, 10.0), (INF, 10.0)], 0.1),  # max
        (0.0, [(0.1, 0.0), (0.5, 5.0), (INF, 5.0)], NAN),  # Go's 0/0
        (0.5, [(NAN, 3.0), (1.0, 4.0), (INF, 8.0)], 1.0),  # NaN bounds ignored
    ],
)
def test_bucket_quantile_table(
    q: float, buckets: list[tuple[float, float]], expected: float
) -> None:
    got = bucket_quantile(q, buckets)
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_bucket_quantile_does_not_change_its_input() -> None:
    buckets = [(1.0, 5.0), (0.5, 10.0), (INF, 10.0)]
    copy = list(buckets)
    bucket_quantile(0.5, buckets)
    assert buckets == copy


bounds = st.lists(
    st.floats(min_value=1e-6, max_value=1e6, allow_nan=False), min_size=1, max_size=12
)


@given(
    bounds,
    # No subnormal counts: q x 5e-324 underflows to 0 in Go as here (rank 0, NaN).
    st.lists(
        st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_subnormal=False),
        min_size=13,
        max_size=13,
    ),
    st.lists(st.floats(min_value=0, max_value=1), min_size=2, max_size=6),
)
def test_bucket_quantile_is_monotone_and_bounded(
    ub: list[float], counts: list[float], qs: list[float]
) -> None:
    buckets = [*zip(ub, counts, strict=False), (INF, counts[-1])]
    finite = sorted(set(ub))
    results = [(q, bucket_quantile(q, buckets)) for q in sorted(qs)]
    values = [v for q, v in results if not math.isnan(v)]
    for v in values:
        assert 0.0 <= v <= finite[-1] * (1 + 1e-12)
    for a, b in itertools.pairwise(values):
        assert a <= b * (1 + 1e-12) + 1e-12
    if counts[-1] > 0:
        # NaN only for a rank of 0 (q=0, or q x count underflowing to 0, in Go as here)
        # with an empty first bucket (Go's 0/0).
        assert all(not math.isnan(v) for q, v in results if q * counts[-1] > 0)


# --- cross-check against a real Prometheus -------------------------------------------


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.Server]:
    try:
        server = servers.start_prometheus(
            Path(tmp_path_factory.mktemp("prom")), servers.prometheus_config([])
        )
    except servers.MissingBinary as e:
        pytest.skip(str(e))
    yield server
    server.stop()


def _promql_le(bound: float) -> str:
    return "+Inf" if bound == INF else repr(bound)


def _histogram_quantile(client: httpx.Client, q: float, buckets: list[tuple[str, float]]) -> float:
    parts = [f'label_replace(vector({c!r}), "le", "{le}", "", "")' for le, c in buckets]
    query = f"histogram_quantile({q!r}, {' or '.join(parts)})"
    answer = client.post("/api/v1/query", data={"query": query, "time": "1000"}).json()
    assert answer["status"] == "success", answer
    result = answer["data"]["result"]
    return float(result[0]["value"][1]) if result else NAN


def _random_cases(seed: int, n: int) -> list[tuple[float, list[tuple[str, float]]]]:
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        bounds = sorted({round(rng.uniform(-1, 5), 3) for _ in range(rng.randint(1, 6))})
        count = 0.0
        buckets = []
        for b in bounds:
            count += rng.choice([0.0, rng.uniform(0, 50)])
            if rng.random() < 0.15:  # inconsistent data: a decreasing count
                count = max(0.0, count - rng.uniform(0, 30))
            buckets.append((repr(b), round(count, 3)))
        if rng.random() < 0.2:  # "1" and "1.0": two spellings of one bound
            buckets.append(("1.0", 3.0))
            buckets.append(("1", 2.0))
        if rng.random() < 0.9:
            buckets.append(("+Inf", round(count + rng.choice([0.0, rng.uniform(0, 20)]), 3)))
        q = rng.choice([0.0, 0.5, 0.75, 0.95, 0.99, 1.0, rng.random()])
        cases.append((q, buckets))
    return cases


@pytest.mark.servers
def test_bucket_quantile_equals_real_prometheus(prometheus: servers.Server) -> None:
    cases = [(q, [(_promql_le(b), c) for b, c in B]) for _, q in QUANTILES]
    cases += _random_cases(seed=7, n=60)
    with httpx.Client(base_url=prometheus.url, timeout=5.0) as client:
        for q, buckets in cases:
            theirs = _histogram_quantile(client, q, buckets)
            ours = bucket_quantile(q, [(float(le), c) for le, c in buckets])
            if math.isnan(theirs):
                assert math.isnan(ours), (q, buckets)
            else:
                assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12), (q, buckets)


# --- latency_from_buckets -------------------------------------------------------------


def _now(service: str | None, counts: list[tuple[str, float]]) -> list[Sample]:
    extra = {} if service is None else {"service": service}
    return [Sample({"le": le, **extra}, c, 100.0) for le, c in counts]


def _hist(service: str, le: str, points: list[tuple[float, float]]) -> Series:
    return Series({"le": le, "service": service}, tuple(points))


def test_latency_groups_sorts_and_computes_every_quantile() -> None:
    counts = [("0.1", 10.0), ("0.5", 60.0), ("1", 90.0), ("+Inf", 100.0)]
    now = _now("web", counts) + _now("api", counts) + _now("idle", [("0.1", 0), ("+Inf", 0)])
    rps = [Sample({"service": "api"}, 100.0), Sample({"service": "web"}, NAN)]
    out = latency_from_buckets(now, [], "service", rps)
    assert [s.service for s in out] == ["api", "idle", "web"]
    api = out[0]
    assert set(api.quantiles) == {name for name, _ in QUANTILES}
    assert api.quantiles["p50"] == pytest.approx(0.42)
    assert api.quantiles["p95"] == 1.0
    assert api.quantiles["max"] == 1.0
    assert api.max_unbounded  # 10 requests above 1 s: "max" is a floor, not a ceiling
    assert api.requests_per_s == 100.0
    assert out[1].quantiles == {name: None for name, _ in QUANTILES}  # no traffic
    assert out[2].requests_per_s is None  # NaN never leaks


def test_latency_history_aligns_points_by_timestamp_and_skips_idle_instants() -> None:
    history = [
        _hist("api", "0.5", [(10.0, 5.0), (20.0, 0.0), (30.0, 1.0)]),
        _hist("api", "+Inf", [(10.0, 10.0), (20.0, 0.0), (30.0, 1.0)]),
        _hist("api", "garbage", [(10.0, 1.0)]),  # unreadable le: ignored
        Series({"service": "api"}, ((10.0, 3.0),)),  # no le at all: ignored
    ]
    (api,) = latency_from_buckets([], history, "service")
    assert api.quantiles["p50"] is None  # nothing now
    assert api.history["p50"] == ((10.0, 0.5), (30.0, 0.25))
    assert api.history["max"] == ((10.0, 0.5), (30.0, 0.5))


def test_latency_missing_group_label_is_all_and_inf_or_nan_become_none() -> None:
    now = _now(None, [("0.5", NAN), ("+Inf", NAN)])
    (only,) = latency_from_buckets(now, [], "service")
    assert only.service == "all"
    assert all(v is None for v in only.quantiles.values())
    assert latency_from_buckets([], [], "service") == ()


def test_latency_handles_10000_series() -> None:
    les = ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"]
    now: list[Sample] = []
    history: list[Series] = []
    for i in range(10_000 // len(les) + 1):
        svc = f"svc-{i:04d}"
        for j, le in enumerate(les):
            now.append(Sample({"le": le, "service": svc}, float(j + 1), 0.0))
            history.append(_hist(svc, le, [(float(t), float(j + t)) for t in range(5)]))
    out = latency_from_buckets(now, history, "service")
    assert len(out) == 10_000 // len(les) + 1
    assert all(s.quantiles["p99"] is not None for s in out)
    assert all(len(s.history["p50"]) == 5 for s in out)


def test_max_is_the_bound_of_the_highest_non_empty_bucket() -> None:
    counts = [("0.1", 10.0), ("0.5", 60.0), ("1", 60.0), ("+Inf", 60.0)]
    (api,) = latency_from_buckets(_now("api", counts), [], "service")
    assert api.quantiles["max"] == 0.5 and not api.max_unbounded


def test_a_kept_history_is_interpolated_once_while_the_same_answer_comes_back() -> None:
    history = [
        _hist("api", "0.5", [(10.0, 5.0), (30.0, 1.0)]),
        _hist("api", "+Inf", [(10.0, 10.0), (30.0, 1.0)]),
    ]
    made: list[object] = []

    def make(h: list[Series]) -> dict[str, dict[str, tuple[tuple[float, float], ...]]]:
        made.append(h)
        return quantile_history(h, "service")

    kept: Derived[dict[str, dict[str, tuple[tuple[float, float], ...]]]] = Derived()
    now = _now("api", [("0.5", 1.0), ("+Inf", 2.0)])
    first = latency_from_buckets(
        now, history, "service", None, kept.of(history, lambda: make(history))
    )
    again = latency_from_buckets(
        now, history, "service", None, kept.of(history, lambda: make(history))
    )
    assert made == [history]  # the same kept answer: not interpolated again
    assert first == again == latency_from_buckets(now, history, "service")
    fresh = list(history)  # another answer (the grid moved on), equal or not: made anew
    kept.of(fresh, lambda: make(fresh))
    assert len(made) == 2


def test_a_history_moved_on_interpolates_only_its_new_instants() -> None:
    def hist(times: list[float]) -> list[Series]:
        return [
            _hist("api", "0.5", [(t, 5.0 + t) for t in times]),
            _hist("api", "+Inf", [(t, 10.0 + t) for t in times]),
        ]

    known: dict[tuple[str, float], dict[str, float | None]] = {}
    first = hist([10.0, 25.0, 40.0])
    assert quantile_history(first, "service", known) == quantile_history(first, "service")
    assert set(known) == {("api", 10.0), ("api", 25.0), ("api", 40.0)}
    marked = {name: 7.0 for name, _ in QUANTILES}
    known[("api", 25.0)] = marked  # taken as it is: not interpolated again
    moved = hist([25.0, 40.0, 55.0])
    got = quantile_history(moved, "service", known)
    assert got["api"]["p50"][0] == (25.0, 7.0)
    assert got["api"]["p50"][1:] == quantile_history(moved, "service")["api"]["p50"][1:]
    assert set(known) == {("api", 25.0), ("api", 40.0), ("api", 55.0)}  # 10.0 gone


def test_derived_of_a_tuple_is_made_again_only_when_one_of_its_objects_changed() -> None:
    a, b = [1], [2]
    kept: Derived[int] = Derived()
    made: list[int] = []
    assert kept.of((a, b), lambda: made.append(1) or len(made)) == 1
    assert kept.of((a, b), lambda: made.append(1) or len(made)) == 1
    assert kept.of((a, [2]), lambda: made.append(1) or len(made)) == 2
