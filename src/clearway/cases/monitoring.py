"""Open cases are re-screened after every list update: their parties become monitor targets.

Importing this module registers the targets with the monitor layer (which knows nothing of
cases); the command line imports it, so `clearway update` re-screens open cases beside the
watchlist, and a party newly listed raises an alert naming the case.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..monitor.watch import Target, register_targets
from ..query import Query
from ..store import Store
from ..store import cases as case_store

CASE = "case"


def case_targets(store: Store) -> Iterable[Target]:
    for case_id in case_store.open_case_ids(store):
        case = case_store.get_case(store, case_id)
        for i, p in enumerate(case["spec"]["parties"]):
            if p.get("role") == "lead":
                continue
            schema = "Person" if p.get("kind") == "person" else "Organization"
            yield Target(CASE, f"{case_id}:{i}", Query(p["name"], country=p.get("country"), schema=schema,
                                                      birth_date=p.get("birth_date")),
                         label=f"{p['name']} (case {case_id}: {case['title'][:80]})")


register_targets(CASE, case_targets)
