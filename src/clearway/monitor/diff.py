"""What changed between two versions of a list: entries added, removed, and changed field by field.

Entities are paired across the versions in three passes:

1. by id — ids are stable within one publisher layout (OFAC entity numbers, trade.gov ids);
2. by list code and normalised primary name (case, punctuation and a trailing legal form
   ignored) — for layouts whose ids are not stable across versions: the 2022 CSL CSV carries
   trade.gov's hashed ``_id`` while the 2026 compact file has entity numbers or content keys, and
   DPL rows have no id at all. When several entities share a name, the one sharing most details
   (addresses, countries, citation) is taken;
3. by list code and a primary name found among the other version's names — a renamed party
   whose publisher keeps the former name as an alias (accepted when it is unambiguous).

For each pair the fields compared are: primary name, aliases (and former names, acronyms),
names in the party's own script, schema, countries, addresses, dates of birth, identifiers,
the lists it is on and, per list, licence requirement, licence policy, Federal Register
citation, programme, start and end dates (delisting) and remarks. A field neither version
carries in its layout (the 2026 compact CSL has no addresses or dates) is not compared, and
the result says so. Names another source lent (WEAK) are not the publisher's and are ignored.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..lists import LISTS
from ..model import ACRONYM, ALIAS, FORMER, NATIVE, PRIMARY, WEAK, Entity, ListVersion
from ..sources.dod_1260h import group_key

ALIAS_KINDS = (ALIAS, FORMER, ACRONYM)

# (field label, getter) for entity-level set fields, and listing-level scalar fields.
_SET_FIELDS: list[tuple[str, Callable[[Entity], set[str]]]] = [
    ("aliases", lambda e: {n.value for n in e.names if n.kind in ALIAS_KINDS}),
    ("native names", lambda e: {n.value for n in e.names if n.kind == NATIVE}),
    ("countries", lambda e: set(e.countries)),
    ("addresses", lambda e: set(e.addresses)),
    ("dates of birth", lambda e: set(e.birth_dates)),
    ("identifiers", lambda e: {f"{i.kind} {i.value}" + (f" ({i.country})" if i.country else "") for i in e.identifiers}),
]
_LISTING_FIELDS = [
    ("licence requirement", "license_requirement"),
    ("licence policy", "license_policy"),
    ("citation", "federal_register"),
    ("programme", "programme"),
    ("start date", "start_date"),
    ("end date", "end_date"),
    ("remarks", "remarks"),
]


def primary_name(e: Entity) -> str:
    for n in e.names:
        if n.kind == PRIMARY:
            return n.value
    return e.names[0].value if e.names else e.id


def _codes(e: Entity) -> list[str]:
    return list(dict.fromkeys(lst.list for lst in e.listings))


def _listing(e: Entity, code: str):
    """The entity's listing on ``code`` (the current one when several: a re-listing)."""
    found = [lst for lst in e.listings if lst.list == code]
    current = [lst for lst in found if lst.is_current()]
    return (current or found)[-1]


def _carried(entities: list[Entity]) -> set[str]:
    """The fields at least one entity of a version has a value for (what its layout carries)."""
    out: set[str] = set()
    for e in entities:
        for label, get in _SET_FIELDS:
            if label not in out and get(e):
                out.add(label)
        for label, attr in _LISTING_FIELDS:
            if label not in out and any(getattr(lst, attr) for lst in e.listings):
                out.add(label)
        if len(out) == len(_SET_FIELDS) + len(_LISTING_FIELDS):
            break
    return out


def _without_weak(e: Entity) -> Entity:
    if not any(n.kind == WEAK for n in e.names):
        return e
    return Entity(e.id, e.schema, [n for n in e.names if n.kind != WEAK], e.listings, e.countries,
                  e.addresses, e.birth_dates, e.identifiers)


def _fold(value: str) -> str:
    return " ".join(value.split()).casefold()


@dataclass(frozen=True, slots=True, eq=False)
class Entry:
    """One entity's entry on one list: what a publisher adds to or removes from a list."""

    entity: Entity
    code: str

    @property
    def listing(self):
        return _listing(self.entity, self.code)

    @property
    def name(self) -> str:
        return primary_name(self.entity)


def _entries(entities: list[Entity]) -> list[Entry]:
    return [Entry(e, code) for e in entities for code in _codes(e)]


def compare_entries(old: Entry, new: Entry, fields: set[str]) -> list[dict[str, Any]]:
    """The changes from ``old`` to ``new`` in ``fields``, plus name, schema and listing status.

    Names and aliases differing only in letter case or spacing count as equal.
    """
    changes: list[dict[str, Any]] = []
    a, b = old.name, new.name
    if _fold(a) != _fold(b):
        changes.append({"field": "name", "before": a, "after": b})
    if old.entity.schema != new.entity.schema:
        changes.append({"field": "schema", "before": old.entity.schema, "after": new.entity.schema})
    for label, get in _SET_FIELDS:
        if label not in fields:
            continue
        x, y = get(old.entity), get(new.entity)
        if label in ("aliases", "native names"):
            fx, fy = {_fold(v) for v in x}, {_fold(v) for v in y}
            x = {v for v in x if _fold(v) not in fy}
            y = {v for v in y if _fold(v) not in fx}
        if x != y:
            changes.append({"field": label, "added": sorted(y - x), "removed": sorted(x - y)})
    lo, ln = old.listing, new.listing
    for label, attr in _LISTING_FIELDS:
        if label not in fields:
            continue
        x, y = getattr(lo, attr), getattr(ln, attr)
        if x != y:
            changes.append({"field": label, "before": x, "after": y})
    if "end date" in fields and lo.is_current() != ln.is_current():
        changes.append({"field": "status", "before": "listed" if lo.is_current() else "delisted",
                        "after": "listed" if ln.is_current() else "delisted"})
    return changes


@dataclass
class Changed:
    old: Entry
    new: Entry
    changes: list[dict[str, Any]]
    paired_by: str  # "id", "name", "former name"


@dataclass
class Diff:
    """Entries added to, removed from and changed on each list (an entity on two lists is two entries)."""

    source: str
    old_version: ListVersion
    new_version: ListVersion
    added: list[Entry] = field(default_factory=list)
    removed: list[Entry] = field(default_factory=list)
    changed: list[Changed] = field(default_factory=list)
    unchanged: int = 0
    not_compared: list[str] = field(default_factory=list)
    list_code: str | None = None
    paired: Counter = field(default_factory=Counter)  # how pairs were found

    def summary(self) -> dict[str, dict[str, int]]:
        """Per list code: entries added, removed, changed."""
        out: dict[str, Counter] = defaultdict(Counter)
        for x in self.added:
            out[x.code]["added"] += 1
        for x in self.removed:
            out[x.code]["removed"] += 1
        for ch in self.changed:
            out[ch.new.code]["changed"] += 1
        codes = [c for c in LISTS if c in out] + sorted(set(out) - LISTS.keys())
        return {c: {k: out[c][k] for k in ("added", "removed", "changed")} for c in codes}

    def field_counts(self) -> dict[str, int]:
        c: Counter[str] = Counter()
        for ch in self.changed:
            c.update({x["field"] for x in ch.changes})
        return dict(c.most_common())

    # -- output ------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        def ent(x: Entry) -> dict[str, Any]:
            e, lst = x.entity, x.listing
            return {"id": e.id, "name": x.name, "list": x.code, "schema": e.schema, "countries": e.countries,
                    "citation": lst.federal_register, "start_date": lst.start_date, "end_date": lst.end_date,
                    "other_lists": [c for c in _codes(e) if c != x.code]}

        def ver(v: ListVersion) -> dict[str, Any]:
            return {"id": v.id, "published": v.published, "content_hash": v.content_hash, "records": v.records}

        return {
            "source": self.source,
            "list": self.list_code,
            "old": ver(self.old_version),
            "new": ver(self.new_version),
            "counts": {"added": len(self.added), "removed": len(self.removed), "changed": len(self.changed),
                       "unchanged": self.unchanged},
            "by_list": self.summary(),
            "fields_changed": self.field_counts(),
            "not_compared": self.not_compared,
            "paired_by": dict(self.paired),
            "added": [ent(x) for x in self.added],
            "removed": [ent(x) for x in self.removed],
            "changed": [{"old_id": c.old.entity.id, "new_id": c.new.entity.id, "name": c.new.name,
                         "list": c.new.code, "paired_by": c.paired_by, "changes": c.changes} for c in self.changed],
        }

    def to_markdown(self, limit: int | None = 100) -> str:
        o, n = self.old_version, self.new_version
        title = f"{self.list_code} ({self.source})" if self.list_code else self.source
        lines = [f"## What changed in {title}: {o.published or 'undated'} → {n.published or 'undated'}", "",
                 f"`{o.id}` → `{n.id}`: **{len(self.added):,} added**, **{len(self.removed):,} removed**, "
                 f"**{len(self.changed):,} changed**, {self.unchanged:,} unchanged (entries, one per list).", ""]
        summary = self.summary()
        if summary:
            lines += ["| list | added | removed | changed |", "|---|---:|---:|---:|"]
            for code, c in summary.items():
                name = LISTS[code].name if code in LISTS else code
                lines.append(f"| {code} — {name} | {c['added']:,} | {c['removed']:,} | {c['changed']:,} |")
            lines.append("")

        def cut(items: list, render: Callable[[Any], str]) -> list[str]:
            shown = items if not limit else items[:limit]
            out = [render(x) for x in shown]
            if len(items) > len(shown):
                out.append(f"- … and {len(items) - len(shown):,} more")
            return out

        for label, items in (("Added", self.added), ("Removed", self.removed)):
            if items:
                lines += [f"### {label} ({len(items):,})", ""]
                lines += cut(items, lambda x: f"- **{_md(x.name)}** — {_md(entry_line(x))}")
                lines.append("")
        if self.changed:
            lines += [f"### Changed ({len(self.changed):,})", ""]
            lines += cut(self.changed, lambda c: f"- **{_md(c.new.name)}** ({c.new.code}): "
                                                 + "; ".join(_md(describe(x)) for x in c.changes))
            lines.append("")
        if self.not_compared:
            lines += [f"_Not compared (only one of the two versions carries them): {', '.join(self.not_compared)}._", ""]
        return "\n".join(lines).rstrip() + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def entry_line(x: Entry) -> str:
    """List code, countries, citation and date of an entry, in one line."""
    e, lst = x.entity, x.listing
    parts = [x.code]
    if e.countries:
        parts.append(", ".join(e.countries[:3]))
    if lst.federal_register:
        parts.append(_clip(lst.federal_register, 60))
    if lst.start_date:
        parts.append(f"since {lst.start_date}")
    return " · ".join(p for p in parts if p)


def _clip(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def describe(change: dict[str, Any], width: int = 60) -> str:
    """One change in words: 'licence policy: Case-by-case → Presumption of denial'."""
    label = change["field"]
    if "added" in change:
        parts = []
        if change["added"]:
            parts.append("+" + ", ".join(_clip(x, width) for x in change["added"][:3])
                         + (f" (+{len(change['added']) - 3} more)" if len(change["added"]) > 3 else ""))
        if change["removed"]:
            parts.append("−" + ", ".join(_clip(x, width) for x in change["removed"][:3])
                         + (f" (+{len(change['removed']) - 3} more)" if len(change["removed"]) > 3 else ""))
        return f"{label}: {' '.join(parts)}"
    before = _clip(change["before"], width) if change["before"] else "—"
    after = _clip(change["after"], width) if change["after"] else "—"
    return f"{label}: {before} → {after}"


# ---------------------------------------------------------------- pairing


def _detail_overlap(a: Entry, b: Entry) -> int:
    x, y = a.entity, b.entity
    score = len(set(x.addresses) & set(y.addresses)) * 2 + len(set(x.countries) & set(y.countries))
    score += (a.listing.federal_register == b.listing.federal_register) + len(set(x.birth_dates) & set(y.birth_dates)) * 2
    return score


def _pair(old: list[Entry], new: list[Entry]) -> tuple[list[tuple[Entry, Entry, str]], list[Entry], list[Entry]]:
    new_by_key = {(x.entity.id, x.code): x for x in new}
    pairs: list[tuple[Entry, Entry, str]] = []
    used_new: set[int] = set()
    rest_old: list[Entry] = []
    for x in old:
        m = new_by_key.get((x.entity.id, x.code))
        if m is not None and id(m) not in used_new:
            pairs.append((x, m, "id"))
            used_new.add(id(m))
        else:
            rest_old.append(x)
    rest_new = [x for x in new if id(x) not in used_new]

    def index(entries: list[Entry], all_names: bool) -> dict[tuple[str, str], list[Entry]]:
        idx: dict[tuple[str, str], list[Entry]] = defaultdict(list)
        for x in entries:
            names = [n.value for n in x.entity.names if n.kind != WEAK] if all_names else [x.name]
            for k in {group_key(v) for v in names} - {""}:
                idx[(x.code, k)].append(x)
        return idx

    # Pass 2: same list and primary name; among several, the one sharing most details.
    by_primary = index(rest_new, all_names=False)
    still_old: list[Entry] = []
    for x in rest_old:
        cands = [c for c in by_primary.get((x.code, group_key(x.name)), ()) if id(c) not in used_new]
        if cands:
            best = max(cands, key=lambda c: _detail_overlap(x, c))
            pairs.append((x, best, "name"))
            used_new.add(id(best))
        else:
            still_old.append(x)

    # Pass 3: a primary name among the other version's names (a rename keeping the old name).
    rest_new = [x for x in rest_new if id(x) not in used_new]
    by_any_new = index(rest_new, all_names=True)
    by_any_old = index(still_old, all_names=True)
    used_old: set[int] = set()
    for x in still_old:
        cands = [c for c in by_any_new.get((x.code, group_key(x.name)), ()) if id(c) not in used_new]
        if len(cands) == 1:
            pairs.append((x, cands[0], "former name"))
            used_new.add(id(cands[0]))
            used_old.add(id(x))
    for x in rest_new:
        if id(x) in used_new:
            continue
        cands = [c for c in by_any_old.get((x.code, group_key(x.name)), ()) if id(c) not in used_old]
        if len(cands) == 1:
            pairs.append((cands[0], x, "former name"))
            used_new.add(id(x))
            used_old.add(id(cands[0]))
    return (pairs, [x for x in still_old if id(x) not in used_old], [x for x in rest_new if id(x) not in used_new])


def diff_entities(old: list[Entity], new: list[Entity], *, source: str, old_version: ListVersion,
                  new_version: ListVersion, list_code: str | None = None) -> Diff:
    """The entry-level diff between two versions (optionally only the entries on ``list_code``)."""
    old = [_without_weak(e) for e in old]
    new = [_without_weak(e) for e in new]
    carried_old, carried_new = _carried(old), _carried(new)
    fields = carried_old & carried_new
    all_fields = [label for label, _ in _SET_FIELDS] + [label for label, _ in _LISTING_FIELDS]
    not_compared = [f for f in all_fields if f in (carried_old | carried_new) and f not in fields]

    old_entries, new_entries = _entries(old), _entries(new)
    if list_code:
        old_entries = [x for x in old_entries if x.code == list_code]
        new_entries = [x for x in new_entries if x.code == list_code]
    pairs, removed, added = _pair(old_entries, new_entries)

    d = Diff(source, old_version, new_version, not_compared=not_compared, list_code=list_code)
    for a, b, how in pairs:
        changes = compare_entries(a, b, fields)
        d.paired[how] += 1
        if changes:
            d.changed.append(Changed(a, b, changes, how))
        else:
            d.unchanged += 1

    def order(x: Entry) -> tuple:
        return (_LIST_ORDER.get(x.code, len(_LIST_ORDER)), x.code, x.name.casefold())

    d.added = sorted(added, key=order)
    d.removed = sorted(removed, key=order)
    d.changed.sort(key=lambda c: order(c.new))
    return d


_LIST_ORDER = {code: i for i, code in enumerate(LISTS)}
