"""A running `clearway serve` picks up a new list version without a restart or a failed request."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import httpx
import pytest
from monitor_support import SHARED, clean_env, clearway, free_port, modified_compact

PARTNER = "Ningbo Coherent Photonics Research Institute Co., Ltd."


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared list data not found at {SHARED}")
def test_serve_swaps_in_a_new_version_without_a_failed_request(tmp_path):
    home = tmp_path / "home"
    db = f"sqlite:///{tmp_path / 'serve.db'}"
    keys = {}
    for role in ("viewer", "analyst"):
        r = clearway(home, "keys", "create", "--role", role, "--db", db)
        assert r.returncode == 0, r.stderr
        keys[role] = r.stdout.strip().splitlines()[-1]
    newer = modified_compact(tmp_path, "2026-08-01", add_el=[PARTNER])

    port = free_port()
    log = open(tmp_path / "serve.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "clearway", "serve", "--port", str(port), "--db", db],
                            stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                            env=clean_env(home, CLEARWAY_RELOAD_SECONDS="0.5"))
    base = f"http://127.0.0.1:{port}"
    viewer = {"Authorization": f"Bearer {keys['viewer']}"}
    analyst = {"Authorization": f"Bearer {keys['analyst']}"}
    failures: list[str] = []
    seen: list[str] = []
    stop = threading.Event()

    def csl_version(client: httpx.Client) -> str:
        rows = client.get("/v1/lists", headers=viewer).json()["lists"]
        return next(r for r in rows if r["code"] == "EL")["versions"][0]

    def hammer() -> None:  # requests all through the swap: every one must succeed
        with httpx.Client(base_url=base, timeout=30) as c:
            while not stop.is_set():
                try:
                    r = c.get("/v1/lists", headers=viewer)
                    if r.status_code != 200:
                        failures.append(f"/v1/lists {r.status_code}")
                    else:
                        seen.append(next(x for x in r.json()["lists"] if x["code"] == "EL")["versions"][0])
                    r = c.post("/v1/screen", headers=analyst, json={"queries": [{"name": "Huawei Technologies"}]})
                    if r.status_code != 200 or not r.json()["results"][0]["matches"]:
                        failures.append(f"/v1/screen {r.status_code}")
                except httpx.HTTPError as exc:
                    failures.append(f"{type(exc).__name__}: {exc}")

    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                time.sleep(0.3)
            before = csl_version(client)
            assert before.startswith("csl@2026-07-31#")

            workers = [threading.Thread(target=hammer) for _ in range(2)]
            for w in workers:
                w.start()
            r = clearway(home, "update", "--source", f"csl={newer}", "--db", db)
            assert r.returncode == 0, r.stdout + r.stderr

            deadline = time.monotonic() + 60
            while (after := csl_version(client)) == before:
                assert time.monotonic() < deadline, "the server never picked up the new version"
                time.sleep(0.3)
            time.sleep(1.0)  # a few more requests on the new lists
            stop.set()
            for w in workers:
                w.join()
            assert after.startswith("csl@2026-08-01#")
            m = client.post("/v1/screen", headers=analyst, json={"queries": [{"name": PARTNER}]}).json()
            assert m["results"][0]["matches"][0]["lists"] == ["EL"]
            assert after in m["list_versions"]
    finally:
        stop.set()
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    assert failures == []
    assert before in seen and after in seen  # the hammering spanned the swap
    assert '"lists reloaded"' in (tmp_path / "serve.log").read_text()
