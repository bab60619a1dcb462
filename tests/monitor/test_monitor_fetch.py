"""The real download code against a local publisher: conditional requests, retries, refusals."""

from __future__ import annotations

import gzip
import time

import pytest
from monitor_support import FIXTURES, Route

from clearway.monitor.fetch import FetchError, FetchOptions, Validators, fetch, gunzip_capped
from clearway.monitor.publishers import publisher

CSL = publisher("csl")
V1 = (FIXTURES / "csl_v1.json").read_bytes()


def test_download_with_validators_then_304(publisher, fast):
    publisher.routes["/c.json"] = Route(V1, etag='"v1"', last_modified=time.time() - 3600)
    got = fetch(publisher.url("/c.json"), options=fast, accept=CSL.accepts)
    assert got.data == V1 and not got.not_modified
    assert got.validators.etag == '"v1"' and got.validators.last_modified
    assert got.last_modified_date  # an ISO date from Last-Modified

    again = fetch(publisher.url("/c.json"), validators=got.validators, options=fast, accept=CSL.accepts)
    assert again.not_modified and again.data == b""
    path, headers = publisher.requests[-1]
    assert headers.get("If-None-Match") == '"v1"'
    assert headers.get("If-Modified-Since") == got.validators.last_modified


def test_last_modified_alone_gives_304(publisher, fast):
    publisher.routes["/c.json"] = Route(V1, last_modified=time.time() - 3600)
    got = fetch(publisher.url("/c.json"), options=fast)
    again = fetch(publisher.url("/c.json"), validators=Validators(None, got.validators.last_modified), options=fast)
    assert again.not_modified


def test_a_500_is_retried_with_backoff(publisher):
    publisher.routes["/c.json"] = Route(V1, fail_first=2)
    slept: list[float] = []
    got = fetch(publisher.url("/c.json"), options=FetchOptions(retries=3, backoff=0.5, timeout=2),
                sleep=slept.append)
    assert got.data == V1 and got.attempts == 3
    assert len(slept) == 2 and slept[1] > slept[0] >= 0.5  # exponential


def test_a_persistent_500_fails_with_the_status(publisher, fast):
    publisher.routes["/c.json"] = Route(V1, fail_first=100)
    with pytest.raises(FetchError, match=r"HTTP 500.*after 2 attempts"):
        fetch(publisher.url("/c.json"), options=fast)


def test_a_404_is_not_retried(publisher, fast):
    with pytest.raises(FetchError, match="HTTP 404") as exc:
        fetch(publisher.url("/missing.json"), options=fast)
    assert "attempts" not in str(exc.value)
    assert len(publisher.requests) == 1


def test_a_timeout_says_so(publisher):
    publisher.routes["/slow.json"] = Route(V1, delay=1.5)
    t = time.monotonic()
    with pytest.raises(FetchError, match="timeout"):
        fetch(publisher.url("/slow.json"), options=FetchOptions(timeout=0.3, retries=1, backoff=0.01))
    assert time.monotonic() - t < 5


def test_a_body_that_stalls_mid_way_times_out(publisher):
    publisher.routes["/stall.json"] = Route(V1, stall=1.5)
    with pytest.raises(FetchError, match="timeout"):
        fetch(publisher.url("/stall.json"), options=FetchOptions(timeout=0.3, retries=0))


def test_a_truncated_body_is_an_error(publisher, fast):
    publisher.routes["/cut.json"] = Route(V1, truncate=True)
    with pytest.raises(FetchError, match="cut off"):
        fetch(publisher.url("/cut.json"), options=fast)


def test_an_html_page_is_refused_by_content_type_and_by_content(publisher, fast):
    publisher.routes["/portal"] = Route(b"<!DOCTYPE html><html><body>Sign in</body></html>", content_type="text/html")
    with pytest.raises(FetchError, match="unexpected content type 'text/html'"):
        fetch(publisher.url("/portal"), options=fast, accept=CSL.accepts)
    publisher.routes["/portal2"] = Route(b"\n<html><body>Moved</body></html>", content_type="application/octet-stream")
    with pytest.raises(FetchError, match="HTML page"):
        fetch(publisher.url("/portal2"), options=fast, accept=CSL.accepts)


def test_a_gzip_bomb_stops_at_the_cap(publisher):
    bomb = gzip.compress(b"\0" * (64 << 20), compresslevel=9)  # 64 MiB of zeros in ~64 KiB
    assert len(bomb) < 200_000
    cap = FetchOptions(timeout=5, retries=0, max_bytes=4 << 20)
    publisher.routes["/bomb.json.gz"] = Route(bomb, content_type="application/gzip")
    with pytest.raises(FetchError, match="cap"):
        fetch(publisher.url("/bomb.json.gz"), options=cap)
    publisher.routes["/bomb.json"] = Route(bomb, content_encoding="gzip")  # the transfer itself
    with pytest.raises(FetchError, match="cap"):
        fetch(publisher.url("/bomb.json"), options=cap)


def test_gzip_served_either_way_is_decompressed(publisher, fast):
    publisher.routes["/c.json.gz"] = Route(gzip.compress(V1), content_type="application/gzip")
    publisher.routes["/c.json"] = Route(gzip.compress(V1), content_encoding="gzip")
    assert fetch(publisher.url("/c.json.gz"), options=fast).data == V1
    assert fetch(publisher.url("/c.json"), options=fast).data == V1


def test_a_local_path_is_a_source(tmp_path, fast):
    p = tmp_path / "consolidated.json.gz"
    p.write_bytes(gzip.compress(V1))
    assert fetch(str(p), options=fast).data == V1
    assert fetch(p.as_uri(), options=fast).data == V1
    with pytest.raises(FetchError, match="file not found"):
        fetch(str(tmp_path / "nope.json"), options=fast)


def test_gunzip_capped_detects_truncation():
    data = gzip.compress(b"x" * 100_000 + bytes(range(256)) * 400)
    with pytest.raises(FetchError, match="truncated"):
        gunzip_capped(data[: len(data) // 2], 10 << 20)
