"""The Prometheus client's form encoding: the bytes urllib's urlencode makes, whatever
the text (the query's quoting is kept between polls)."""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st

from oncall_tui.sources.prometheus import form


@given(
    query=st.text(),
    extra=st.dictionaries(st.sampled_from(["time", "start", "end", "step"]), st.text()),
)
def test_form_is_urlencode(query: str, extra: dict[str, str]) -> None:
    params = {"query": query, **extra}
    assert form(params) == urlencode(params)
    assert form(params) == urlencode(params)  # the kept quoting gives the same again


def test_a_long_merged_query_is_encoded_as_urlencode_does() -> None:
    query = " or ".join(
        f'label_replace(sum(rate(x{{code=~"5..",q="{i}"}}[5m])), "__q", "{i}", "", "")'
        for i in range(200)
    )
    params = {"query": query, "time": "1700000000.123"}
    assert form(params) == urlencode(params)
