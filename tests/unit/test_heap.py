"""heap.Trimmer: memory handed back only once the RSS grew, never without malloc_trim."""

from __future__ import annotations

import platform

import pytest

from oncall_tui.heap import Trimmer, _glibc_trim, _rss_mb


class FakeProcess:
    def __init__(self, rss: float) -> None:
        self.rss = rss
        self.trims = 0
        self.after_trim: float | None = None

    def rss_mb(self) -> float:
        return self.rss

    def trim(self) -> None:
        self.trims += 1
        if self.after_trim is not None:
            self.rss = self.after_trim


def test_trims_only_after_the_rss_grew_by_the_threshold() -> None:
    p = FakeProcess(100.0)
    t = Trimmer(p.rss_mb, lambda: p.trim, growth_mb=8.0)
    t.after_heavy_work()  # the first reading is the floor
    p.rss = 107.9
    t.after_heavy_work()
    assert p.trims == 0
    p.rss, p.after_trim = 120.0, 104.0
    t.after_heavy_work()
    assert (p.trims, t.trims) == (1, 1)
    p.rss = 111.0  # 7 MB above what the trim left: not yet
    t.after_heavy_work()
    assert p.trims == 1
    p.rss, p.after_trim = 112.5, 103.0
    t.after_heavy_work()
    assert p.trims == 2


def test_a_lower_rss_lowers_the_floor() -> None:
    p = FakeProcess(100.0)
    t = Trimmer(p.rss_mb, lambda: p.trim, growth_mb=8.0)
    t.after_heavy_work()
    p.rss = 60.0
    t.after_heavy_work()
    p.rss = 69.0
    t.after_heavy_work()
    assert p.trims == 1


def test_nothing_without_malloc_trim_or_an_rss() -> None:
    calls = []
    t = Trimmer(lambda: 500.0, lambda: None)
    t.after_heavy_work()
    t.after_heavy_work()
    p = FakeProcess(100.0)
    t = Trimmer(lambda: None, lambda: p.trim)
    for _ in range(3):
        t.after_heavy_work()
    assert p.trims == 0 and calls == []


def test_the_loader_runs_once() -> None:
    loads = []
    p = FakeProcess(100.0)

    def load() -> object:
        loads.append(1)
        return p.trim

    t = Trimmer(p.rss_mb, load)  # type: ignore[arg-type]
    for _ in range(3):
        t.after_heavy_work()
    assert loads == [1]


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_real_glibc_trim_runs() -> None:
    trim = _glibc_trim()
    assert trim is not None
    trim()
    rss = _rss_mb()
    assert rss is not None and rss > 0
    t = Trimmer(growth_mb=0.0)
    t.after_heavy_work()
    t.after_heavy_work()
    assert t.trims == 1
