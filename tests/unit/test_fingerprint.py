"""Our fingerprints must equal Alertmanager's: acks and incidents are matched by them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from oncall_tui.demo import servers
from oncall_tui.model.fingerprint import fingerprint
from waiting import wait_until

LABEL_SETS = [
    {"alertname": "HighLatency", "severity": "critical", "service": "api"},
    {"alertname": "Ünïcødé", "team": "платформа", "emoji": "🔥 fire", "z": ""},
    {"alertname": "Solo"},
    {"alertname": "Order", "a": "1", "B": "2", "_x": "3", "aa": 'é\\"quote'},
]


def test_empty_label_set_is_the_fnv_offset_basis() -> None:
    # prometheus/common returns hashNew() (the FNV-1a 64 offset basis) for no labels.
    assert fingerprint({}) == f"{14695981039346656037:016x}"


def test_known_value_from_prometheus_common() -> None:
    # prometheus/common model/signature_test.go: LabelSet{"name": "garland, briggs",
    # "fear": "love is not enough"} has fingerprint 5799056148416392346.
    labels = {"name": "garland, briggs", "fear": "love is not enough"}
    assert fingerprint(labels) == f"{5799056148416392346:016x}"


def test_order_of_the_mapping_does_not_matter() -> None:
    a = {"x": "1", "y": "2", "alertname": "A"}
    b = dict(reversed(list(a.items())))
    assert fingerprint(a) == fingerprint(b)
    assert len(fingerprint(a)) == 16
    assert fingerprint(a) != fingerprint({**a, "x": "2"})


def test_name_value_boundary_is_part_of_the_hash() -> None:
    # Without the 0xff separators {"ab": "c"} and {"a": "bc"} would collide.
    assert fingerprint({"ab": "c"}) != fingerprint({"a": "bc"})


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.Server]:
    try:
        server = servers.start_alertmanager(Path(tmp_path_factory.mktemp("am")))
    except servers.MissingBinary as e:
        pytest.skip(str(e))
    yield server
    server.stop()


@pytest.mark.servers
def test_matches_a_real_alertmanager(alertmanager: servers.Server) -> None:
    now = datetime.now(UTC)
    posted = [
        {
            "labels": labels,
            "startsAt": now.isoformat(),
            "endsAt": (now + timedelta(hours=1)).isoformat(),
        }
        for labels in LABEL_SETS
    ]
    with httpx.Client(base_url=alertmanager.url, timeout=5.0) as client:
        client.post("/api/v2/alerts", json=posted).raise_for_status()

        def all_listed() -> dict[str, str]:
            answer = client.get("/api/v2/alerts").json()
            got = {a["labels"]["alertname"]: a["fingerprint"] for a in answer}
            return got if len(got) >= len(LABEL_SETS) else {}

        got = wait_until(all_listed, 15, "every posted alert to be listed")
    assert len(got) == len(LABEL_SETS)
    for labels in LABEL_SETS:
        # Alertmanager drops empty-valued labels (empty == absent in Prometheus)
        # before it fingerprints; ALERTS series never carry them either.
        present = {k: v for k, v in labels.items() if v}
        assert got[labels["alertname"]] == fingerprint(present), labels
