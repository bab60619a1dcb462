"""Schemathesis against the service's own OpenAPI document, over real HTTP to ``clearway serve``.

Every operation of ``/openapi.json`` is called with generated requests, valid and invalid (the
positive and negative generation modes, and the boundary values of the coverage phase), with an
admin key and again with an analyst key. Every response must be free of server errors, carry a
status code the document declares for that operation, with a declared content type and a body that
matches the declared schema (the JSON error model for 4xx answers).

Revoking a key is fuzzed too, but never of the two keys the run itself uses.
"""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import checks as st_checks

from fuzz_support import scaled

# Generated examples per operation and run (the coverage phase adds its boundary cases); two runs,
# admin and analyst, over every operation.
EXAMPLES = scaled(12)
CHECKED = [getattr(st_checks, name) for name in (
    "not_a_server_error",  # no 5xx, whatever was sent
    "status_code_conformance",  # only status codes the document declares for the operation
    "content_type_conformance",  # with a declared content type
    "response_schema_conformance",  # and a body of the declared shape
    "response_headers_conformance",
)]

_CASE = {
    "title": "Joint study of monsoon rainfall",
    "activities": ["publish-openly"],
    "parties": [{"name": "Colorado State University", "country": "US", "role": "lead"},
                {"name": "Beijing Institute of Technology", "country": "CN", "role": "partner"}],
}


# Real values for path parameters, filled once the server runs, so that generated requests also reach
# past the 404 of an unknown id: a stored case, listed entities, datasets.
KNOWN: dict[str, list[str]] = {}
PROTECTED_KEYS: set[str] = set()


def _document() -> dict:
    """The OpenAPI document, built by the app factory as the server builds it (the first test
    checks the served one is the same)."""
    import logging

    from clearway.api.app import create_app

    # create_app() sets up the service's logging; leave the test process's as it was.
    logger = logging.getLogger("clearway")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    try:
        return create_app().openapi()
    finally:
        logger.handlers[:], logger.level, logger.propagate = saved


DOCUMENT = _document()
schema = schemathesis.openapi.from_dict(DOCUMENT, config=schemathesis.Config.from_dict({
    "generation": {"mode": "all", "max-examples": EXAMPLES},
    "phases": {"stateful": {"enabled": False}},
}))


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    # The generated id, or a real one; never one of the keys the run itself uses.
    if not isinstance(path_parameters, dict):  # no path parameters, or a negative case's garbage
        return st.just(path_parameters)
    options = [path_parameters]
    for name, values in KNOWN.items():
        if name in path_parameters:
            options += [{**path_parameters, name: v} for v in values]
    if path_parameters.get("key_id") in PROTECTED_KEYS:
        options = [{**path_parameters, "key_id": "000000000000"}]
    return st.sampled_from(options)


@pytest.fixture(scope="module")
def api(fuzz_server):
    h = fuzz_server.headers("admin")
    with httpx.Client(base_url=fuzz_server.base_url, timeout=60, headers=h) as c:
        r = c.post("/v1/cases", json=_CASE)
        assert r.status_code == 201, r.text
        case_id = r.json()["id"]
        r = c.post("/v1/screen", json={"queries": [{"name": "Huawei Technologies Co., Ltd."}, {"name": "北京理工大学"}]})
        assert r.status_code == 200, r.text
        entities = [m["id"] for res in r.json()["results"] for m in res["matches"]][:6]
    KNOWN.update(case_id=[case_id], entity_id=entities, dataset=["default", "EL", "cn-uel", "SDN"])
    PROTECTED_KEYS.update(fuzz_server.key_id(r) for r in fuzz_server.keys)
    return fuzz_server


def test_served_document_is_the_one_fuzzed(api) -> None:
    served = httpx.get(f"{api.base_url}/openapi.json", timeout=60)
    assert served.status_code == 200 and served.json() == DOCUMENT


def _call(case, server, role: str) -> None:
    # Whatever produced the id (a generated value, one read from an earlier response), the run
    # never revokes a key it uses.
    if isinstance(case.path_parameters, dict) and case.path_parameters.get("key_id") in PROTECTED_KEYS:
        case.path_parameters["key_id"] = "000000000000"
    case.call_and_validate(base_url=server.base_url, headers=server.headers(role), checks=CHECKED, timeout=120)


_HYPOTHESIS = settings(deadline=None, suppress_health_check=list(HealthCheck))


@schema.parametrize()
@_HYPOTHESIS
def test_api_as_admin(case, api) -> None:
    _call(case, api, "admin")


@schema.parametrize()
@_HYPOTHESIS
def test_api_as_analyst(case, api) -> None:
    _call(case, api, "analyst")


# Names that once made the screener raise (a 500 from every screening endpoint): a digit sign that
# is not a decimal digit (U+19DA), read as a Chinese numeral.
BREAKERS = ["北京᧚", "北京第᧚研究所", "᧚᧚研究所", "第²研究所", "Huawei ᧚th"]


def test_names_that_once_broke_screening_are_answered(api) -> None:
    import json

    with httpx.Client(base_url=api.base_url, timeout=60, headers=api.headers("analyst")) as c:
        r = c.post("/v1/screen", json={"queries": [{"name": n} for n in BREAKERS], "threshold": 0.0})
        assert r.status_code == 200, r.text
        assert len(r.json()["results"]) == len(BREAKERS)
        for n in BREAKERS:
            r = c.get("/v1/compare", params={"a": n, "b": "北京1研究所"})
            assert r.status_code == 200 and 0.0 <= r.json()["score"] <= 1.0, r.text
        r = c.post("/match/default", json={"queries": {f"q{i}": {"schema": "Company", "properties": {"name": [n]}}
                                                        for i, n in enumerate(BREAKERS)}})
        assert r.status_code == 200, r.text
        r = c.get("/reconcile", params={"queries": json.dumps({f"q{i}": {"query": n} for i, n in enumerate(BREAKERS)})})
        assert r.status_code == 200, r.text


def test_no_request_of_the_run_ended_in_a_server_error(api) -> None:
    """The server's own count of every request this module sent (runs last): none was answered
    with a 5xx, those the checks above did not see included. ``-s`` prints the count by route."""
    import re
    from collections import Counter

    text = httpx.get(f"{api.base_url}/metrics", headers=api.headers("admin"), timeout=60).text
    counts: Counter[tuple[str, str, str]] = Counter()
    for m in re.finditer(r'^clearway_requests_total\{method="(\w+)",route="([^"]*)",status="(\d+)"\} (\S+)$', text, re.M):
        counts[(m[1], m[2], m[3])] += int(float(m[4]))
    assert counts, text[:2000]
    by_route: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    for (method, route, status), n in counts.items():
        by_route[f"{method} {route}"] += n
        by_status[status] += n
    print(f"\nrequests: {sum(counts.values())}; by status: {dict(sorted(by_status.items()))}")
    for route, n in sorted(by_route.items()):
        print(f"  {n:6d}  {route}")
    assert not [k for k in counts if k[2].startswith("5")], [(k, n) for k, n in counts.items() if k[2].startswith("5")]
