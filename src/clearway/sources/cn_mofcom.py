"""MOFCOM lists as packaged by security-export-control-registry (``data/entities/cn.json``).

A JSON array of ``{addresses, aliases, country, date_added, entity_name, entity_type, id,
list_id, reason, source_list_name, source_url}``; one record is one party on one list.

``list_id``: ``cn-unreliable-entity-list`` -> CN-UEL; ``cn-export-control-watchlist`` (it is the
出口管制管控名单, the *control* list, despite the id) -> CN-ECL; ``cn-attention-list``
(关注名单, the watch list) -> CN-ECWL.

``entity_name`` is the primary name (a few records only have a Chinese one, some describe an
announcement: "哈德森技术公司（Hudson Technologies Co.）等6家实体" — kept as published). Aliases in
CJK script are NATIVE ("zh", or "ja" when they contain kana), others aliases. ``country: "cn"``
is the country of the LIST, not the party's, and is not used. Two pairs of records share an id:
the second of each gets a suffix so entity ids stay unique.
"""

from __future__ import annotations

from ..model import ALIAS, NATIVE, ORGANIZATION, PERSON, PRIMARY, UNKNOWN, Entity, Listing, Name, add_name
from .base import Parsed, SourceFormatError, gunzip_if_needed, make_version, stable_key
from .dod_1260h import _ISO_DATE
from .multi import load_records, script_lang

SOURCE = "cn_mofcom"

LIST_CODES = {
    "cn-unreliable-entity-list": "CN-UEL",
    "cn-export-control-watchlist": "CN-ECL",
    "cn-attention-list": "CN-ECWL",
}
_SCHEMAS = {"organization": ORGANIZATION, "company": ORGANIZATION, "person": PERSON, "individual": PERSON}


def parse(data: bytes, *, published: str = "", url: str = "") -> Parsed:
    what = "a MOFCOM registry JSON array"
    records = load_records(data, what)
    if not any(isinstance(r, dict) and "entity_name" in r and "list_id" in r for r in records):
        raise SourceFormatError(f"not {what}: no record has the 'entity_name' and 'list_id' keys")
    version = make_version(SOURCE, gunzip_if_needed(data), published, url)
    problems: list[str] = []

    entities: list[Entity] = []
    used: set[str] = set()
    for n, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            problems.append(f"record {n}: not an object")
            continue
        name = _text(rec.get("entity_name"))
        if not name:
            problems.append(f"record {n}: no entity_name")
            continue
        code = LIST_CODES.get(_text(rec.get("list_id")))
        if code is None:
            problems.append(f"record {n}: unknown list_id {rec.get('list_id')!r}")
            continue
        date = _text(rec.get("date_added"))
        if date and not _ISO_DATE.fullmatch(date):
            problems.append(f"record {n}: bad date_added {date!r}")
            continue

        names: list[Name] = []
        add_name(names, name, PRIMARY, script_lang(name))
        for alias in _list(rec.get("aliases")):
            lang = script_lang(alias)
            add_name(names, alias, NATIVE if lang else ALIAS, lang)

        pid = _text(rec.get("id")) or stable_key(code, name)
        eid = f"{SOURCE}:{pid}"
        if eid in used:
            eid = f"{eid}~{stable_key(code, name)[:6]}"
            problems.append(f"record {n}: id {pid!r} repeats an earlier record's (kept as {eid})")
        used.add(eid)
        entities.append(
            Entity(
                id=eid,
                schema=_SCHEMAS.get(_text(rec.get("entity_type")).casefold(), UNKNOWN),
                names=names,
                listings=[
                    Listing(
                        list=code,
                        programme=_text(rec.get("source_list_name")),
                        start_date=date,
                        source_url=_text(rec.get("source_url")),
                        version=version.id,
                        remarks=_text(rec.get("reason")),
                    )
                ],
                addresses=[a for a in _list(rec.get("addresses"))],
            )
        )

    if not entities:
        raise SourceFormatError(f"no readable record in {what} ({len(records)} records)")
    version.records = len(entities)
    return Parsed(version=version, entities=entities, problems=problems)


def _text(value) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())


def _list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    out = []
    for v in value:
        t = _text(v)
        if t and t not in out:
            out.append(t)
    return out
