"""model.interned: label sets equal to what was decoded, each distinct string kept once."""

from __future__ import annotations

import orjson

from oncall_tui.model.interned import interned_dict


class Sub(str):
    pass


def test_equal_and_shared() -> None:
    one = orjson.loads(b'{"alertname": "HostDown", "instance": "a:9100"}')
    two = orjson.loads(b'{"alertname": "HostDown", "instance": "b:9100"}')
    assert one["alertname"] is not two["alertname"]  # what the decoder gives
    i1, i2 = interned_dict(one), interned_dict(two)
    assert (i1, i2) == (one, two)
    assert type(i1) is dict and i1 is not one
    assert i1["alertname"] is i2["alertname"]
    assert next(iter(i1)) is next(iter(i2))  # names too


def test_str_subclasses_come_out_as_plain_equal_strings() -> None:
    got = interned_dict({Sub("team"): Sub("payments")})
    assert got == {"team": "payments"}
    ((k, v),) = got.items()
    assert type(k) is str and type(v) is str
