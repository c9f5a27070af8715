"""Which TLS setup a source's client gets: the CA bundle only where TLS can happen."""

from __future__ import annotations

import ssl

from oncall_tui.config_types import HttpAuth
from oncall_tui.sources.http import _verify, make_http_client


def test_http_only_sources_load_no_ca_bundle_and_still_fail_closed() -> None:
    # Loading the bundle costs ~17 ms a client before the first frame; for http:// it
    # is never used. A TLS connection through this context would verify against no CA.
    ctx = _verify(HttpAuth(), tls=False)
    assert isinstance(ctx, ssl.SSLContext)
    assert ctx.cert_store_stats()["x509_ca"] == 0
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname


def test_https_sources_share_one_loaded_bundle() -> None:
    first, second = _verify(HttpAuth(), tls=True), _verify(HttpAuth(), tls=True)
    assert first is second
    assert isinstance(first, ssl.SSLContext) and first.verify_mode == ssl.CERT_REQUIRED
    assert first.cert_store_stats()["x509_ca"] > 0


def test_skip_verify_is_kept_whatever_the_urls() -> None:
    assert _verify(HttpAuth(tls_skip_verify=True), tls=False) is False
    assert _verify(HttpAuth(tls_skip_verify=True), tls=True) is False


async def test_a_client_is_made_for_http_and_https_urls() -> None:
    for urls in (["http://127.0.0.1:9090"], ["http://a:9093", "HTTPS://b:9093"], None):
        async with make_http_client(HttpAuth(), urls):
            pass
