"""kill -9 of `clearway serve --workers 2` under screening load: after a restart on the same store
the audit chain verifies and every request that got a 200 has its record in the trail.

A response is sent only after its audit record is committed, so an acknowledged screening is a
record the trail must hold whatever moment the crash hits: mid-transaction, mid group commit,
between the commit and the reply. The responses carry no record reference, so each query carries
an id and a name no other request uses, and the trail is searched for them.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import delete

from crash_support import KillableServer, Load, lost_acknowledgements, screened_queries, wait_for
from service_support import Cli, clean_env, pg_schema

# One kill per round: (queries per request, requests acknowledged before the kill). Several
# threads keep posting while the kill lands, so requests are in flight each time; a round of
# batches puts the kill inside larger transactions. Every restart of a server with two workers
# costs seconds of list loading, so PostgreSQL gets the one round that differs most.
ROUNDS = {
    "sqlite": [(1, 25), (1, 100), (20, 15)],
    "postgresql": [(20, 15)],
}


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path):
    if request.param == "sqlite":
        yield "sqlite", f"sqlite:///{tmp_path / 'crash.db'}"
        return
    with pg_schema() as (_schema, url):
        yield "postgresql", url


def test_kill_9_during_audit_writes_loses_no_acknowledged_record(tmp_path, backend):
    from clearway.store import open_store
    from clearway.store.schema import audit_log

    name, url = backend
    t0 = time.monotonic()
    home = tmp_path / "home"
    cli = Cli(home)
    key = cli.create_key("analyst", url)
    srv = KillableServer("crash", url, home, clean_env(home, CLEARWAY_RATE_LIMIT="1000000",
                                                       CLEARWAY_RELOAD_SECONDS="0"))
    store = open_store(url)
    acked: dict[str, str] = {}
    figures = {"kills": 0, "processes_killed": 0, "requests_sent": 0, "in_flight_at_kill": 0,
               "recorded_not_acknowledged": 0}
    try:
        for i, (per_request, target) in enumerate(ROUNDS[name]):
            srv.start()
            if i:  # the chain as the crash left it (what `clearway audit verify` runs)
                assert store.verify().problems == []
                assert lost_acknowledgements(acked, screened_queries(store)) == []
            srv.wait_ready()
            load = Load(srv.base_url, key, tag=f"k{i}", queries_per_request=per_request)
            load.start()  # after a restart, these requests are served again
            wait_for(lambda: load.requests_acked() >= target or bool(load.failed_before_kill),
                     f"{target} acknowledged requests", proc=srv.proc, log=srv.log_path)
            assert not load.failed_before_kill, load.failed_before_kill[:3]
            load.killing.set()
            figures["processes_killed"] += srv.kill()
            figures["kills"] += 1
            load.join()
            assert load.failed_before_kill == []
            figures["requests_sent"] += load.sent
            figures["in_flight_at_kill"] += load.in_flight_at_kill
            acked.update(load.acked)

        # The last restart: the chain verifies, nothing acknowledged is missing, it serves again.
        srv.start()
        with ThreadPoolExecutor(max_workers=1) as pool:
            verify = pool.submit(cli, "audit", "verify", "--db", url)
            srv.wait_ready()
            run = verify.result()
        assert run.returncode == 0 and "chain verified" in run.stdout, run.stdout + run.stderr
        after = {"id": "after-restart", "name": "Harbin Institute of Technology"}
        r = httpx.post(f"{srv.base_url}/v1/screen", headers={"Authorization": f"Bearer {key}"},
                       json={"queries": [after]}, timeout=60)
        assert r.status_code == 200 and r.json()["results"][0]["matches"], r.text[:500]
        srv.stop()
        acked[after["id"]] = after["name"]

        recorded = screened_queries(store)
        assert lost_acknowledgements(acked, recorded) == []
        assert store.verify().ok
        figures["acknowledged"] = len(acked)
        figures["recorded_not_acknowledged"] = len(set(recorded) - set(acked))
        assert figures["kills"] == len(ROUNDS[name]) and figures["processes_killed"] >= 3 * figures["kills"]
        assert figures["in_flight_at_kill"] > 0  # the kills landed with requests unanswered

        # The checks can fail: delete the record of one acknowledged screening.
        victim = next(rec for rec in store.records() if rec.kind == "screen"
                      and any(res["id"] in acked for res in rec.payload["results"]))
        with store.engine.begin() as conn:
            conn.execute(delete(audit_log).where(audit_log.c.seq == victim.seq))
        gone = {res["id"] for res in victim.payload["results"]} & set(acked)
        assert set(lost_acknowledgements(acked, screened_queries(store))) == gone
        assert not store.verify().ok
        figures["seconds"] = round(time.monotonic() - t0, 1)
        print(f"\naudit crash [{name}]: {figures}")
    finally:
        srv.stop()
        store.close()
