"""Which config keys hold a secret literally (the start-up warning's reason)."""

from __future__ import annotations

import pytest

from oncall_tui.config_secrets import secret_keys
from oncall_tui.config_types import Config, HttpAuth, PrometheusConfig, Runbook


def hook(**kw: object) -> Config:
    rb = Runbook(name="h", kind="http", url="http://127.0.0.1:9/", **kw)  # type: ignore[arg-type]
    return Config(runbooks=(rb,))


@pytest.mark.parametrize(
    ("cfg", "keys"),
    [
        (hook(headers={"Authorization": "Bearer ${TOKEN}"}), []),
        (hook(headers={"Authorization": "Bearer abc123"}), ["runbooks[0].headers.Authorization"]),
        (hook(headers={"X-Api-Key": "{labels.key}"}), []),
        (hook(headers={"X-Team": "payments"}), []),
        (hook(body={"job": {"token": "abc"}, "n": 1}), ["runbooks[0].body.job.token"]),
        (hook(body={"token": "${T}"}), []),
        (
            Config(
                runbooks=(
                    Runbook(name="e", kind="exec", command=("x",), env={"DB_PASSWORD": "pw"}),
                )
            ),
            ["runbooks[0].env.DB_PASSWORD"],
        ),
        (
            Config(prometheus=PrometheusConfig(auth=HttpAuth(headers={"X-Auth": "s3cret"}))),
            ["prometheus.headers.X-Auth"],
        ),
    ],
)
def test_secret_keys(cfg: Config, keys: list[str]) -> None:
    assert secret_keys(cfg) == keys
