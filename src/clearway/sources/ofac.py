"""OFAC legacy CSV files: the SDN list (``sdn.csv``) and the non-SDN consolidated list (``cons_*.csv``).

Both come as header-less CSV files sharing one layout:

* ``sdn.csv`` / ``cons_prim.csv``: ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign,
  Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks
* ``add.csv`` / ``cons_add.csv``: ent_num, add_num, address, city/state/postal, country, add_remarks
* ``alt.csv`` / ``cons_alt.csv``: ent_num, alt_num, alt_type (aka/fka/nka), alt_name, alt_remarks
* ``sdn_comments.csv`` / ``cons_comments.csv``: ent_num, the continuation of a Remarks field that
  OFAC cut at 1,000 characters

``-0-`` means empty. Programmes are written ``"A] [B"``. The Remarks field is a ``;``-separated
list of facts ("DOB 12 Feb 1961", "a.k.a. 'X'", "nationality Iran", "Passport A123 (Iran)",
"Unified Social Credit Code (USCC) 91... (China)" ...); the ones the model holds are read here.

For the SDN file every entity is on the ``SDN`` list. The consolidated file holds several
non-SDN lists and the Program column tells which: ``NS-PLC`` -> PLC, ``CMIC-EO13959`` -> CMIC,
``UKRAINE-EO13662`` -> SSI, ``561-Related`` -> CAP, ``FSE-*`` -> FSE. Entries whose programmes
name none of these (``RUSSIA-EO14024``, ``CAATSA - RUSSIA``, ``BURMA-EO14014``,
``ILLICIT-DRUGS-EO14059`` in the 2025 file) are the menu-based sanctions list, NS-MBS.

The date and identifier helpers here are shared with the CSL parser, whose data OFAC feeds.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from ..model import (
    ALIAS,
    FORMER,
    ORGANIZATION,
    PERSON,
    PRIMARY,
    UNKNOWN,
    VESSEL,
    Entity,
    Identifier,
    Listing,
    Name,
    add_name,
)
from .base import Parsed, SourceFormatError, clean, decode_text, gunzip_if_needed, make_version
from .countries import to_iso2

csv.field_size_limit(1 << 24)

SDN_COLUMNS = (
    "ent_num", "SDN_Name", "SDN_Type", "Program", "Title", "Call_Sign",
    "Vess_type", "Tonnage", "GRT", "Vess_flag", "Vess_owner", "Remarks",
)

# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"), ("dec", "december"),
        )
    )
    for m in names
}


def _valid(y: int, m: int = 1, d: int = 1) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


def parse_date(text: str | None) -> str:
    """One date as ISO (possibly partial: "1961", "1961-02"), or "" when it cannot be read.

    Reads 1961-02-12, 1961-02, 1961, 12 Feb 1961, 12 February 1961, Feb 1961, 02/12/1961 (US order).
    """
    t = " ".join((text or "").replace(",", " ").split()).strip(" .")
    if not t:
        return ""
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?", t)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
        return f"{y:04d}-{mo:02d}-{d:02d}" if _valid(y, mo, d) else ""
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", t)
    if m and 1 <= int(m[2]) <= 12:
        return f"{int(m[1]):04d}-{int(m[2]):02d}"
    if re.fullmatch(r"\d{4}", t):
        return t
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", t)
    if m:
        mo, d, y = int(m[1]), int(m[2]), int(m[3])
        return f"{y:04d}-{mo:02d}-{d:02d}" if _valid(y, mo, d) else ""
    m = re.fullmatch(r"(\d{1,2}) ([A-Za-z]+) (\d{4})", t)
    if m and m[2].lower() in _MONTHS:
        y, mo, d = int(m[3]), _MONTHS[m[2].lower()], int(m[1])
        return f"{y:04d}-{mo:02d}-{d:02d}" if _valid(y, mo, d) else ""
    m = re.fullmatch(r"([A-Za-z]+) (\d{4})", t)
    if m and m[1].lower() in _MONTHS:
        return f"{int(m[2]):04d}-{_MONTHS[m[1].lower()]:02d}"
    return ""


def parse_dates(text: str | None) -> list[str]:
    """Birth dates as publishers write them: "circa 1944", "1969 to 1971", "12 Jan 1960".

    A range of years is expanded to every year in it (at most 12); other ranges give both ends.
    """
    t = " ".join((text or "").split())
    t = re.sub(r"^(?:alt\.\s*)?(?:DOB\s*)?", "", t, flags=re.I)
    t = re.sub(r"^(?:circa|approximately|approx\.?|about|c\.)\s*", "", t, flags=re.I).strip(" .;")
    if not t:
        return []
    parts = re.split(r"\s+to\s+|(?<=\d{4})\s*-\s*(?=\d{4}$)", t)
    if len(parts) == 2:
        a, b = parse_date(parts[0]), parse_date(parts[1])
        if len(a) == 4 and len(b) == 4 and 0 <= int(b) - int(a) <= 12:
            return [str(y) for y in range(int(a), int(b) + 1)]
        return [d for d in dict.fromkeys((a, b)) if d]
    d = parse_date(t)
    return [d] if d else []


# ---------------------------------------------------------------------------------------------
# Identifiers: OFAC's labels (the same labels appear in the CSL "ids" field) -> our kinds.
# Labels not listed are not identifiers (Gender, Website, Target Type, listing dates ...).
# ---------------------------------------------------------------------------------------------

ID_KINDS: dict[str, str] = {
    "Passport": "passport",
    "Diplomatic Passport": "passport",
    "British National Overseas Passport": "passport",
    "Stateless Person Passport": "passport",
    "Unified Social Credit Code (USCC)": "USCC",
    "United Social Credit Code Certificate (USCCC)": "USCC",
    "Legal Entity Number": "LEI",
    "SWIFT/BIC": "SWIFT/BIC",
    "Vessel Registration Identification": "IMO",
    "MMSI": "MMSI",
    "ISIN": "ISIN",
    "Registration Number": "registration",
    "Registration ID": "registration",
    "Company Number": "registration",
    "UK Company Number": "registration",
    "Business Registration Number": "registration",
    "Business Registration Document #": "registration",
    "Commercial Registry Number": "registration",
    "Certificate of Incorporation Number": "registration",
    "Chamber of Commerce Number": "registration",
    "Public Registration Number": "registration",
    "C.R. No.": "registration",
    "Trade License No.": "registration",
    "Folio Mercantil No.": "registration",
    "Matricula Mercantil No": "registration",
    "Economic Register Number (CBLS)": "registration",
    "Enterprise Number": "registration",
    "Tax ID No.": "tax_id",
    "V.A.T. Number": "tax_id",
    "NIT #": "tax_id",
    "RUC #": "tax_id",
    "R.F.C.": "tax_id",
    "RFC": "tax_id",
    "RIF #": "tax_id",
    "US FEIN": "tax_id",
    "C.U.I.T.": "tax_id",
    "Italian Fiscal Code": "tax_id",
    "National ID No.": "national_id",
    "Cedula No.": "national_id",
    "C.U.R.P.": "national_id",
    "D.N.I.": "national_id",
    "Personal ID Card": "national_id",
    "Turkish Identification Number": "national_id",
    "Kenyan ID No.": "national_id",
    "National Foreign ID Number": "national_id",
    "Identification Number": "id_number",
    "Government Gazette Number": "Government Gazette Number",
    "D-U-N-S Number": "DUNS",
    "Chinese Commercial Code": "Chinese Commercial Code",
    "BIK (RU)": "BIK",
    "SSN": "SSN",
    "Driver's License No.": "driver_license",
    "Travel Document Number": "travel_document",
    "Residency Number": "residency",
    "Birth Certificate Number": "birth_certificate",
    "Electoral Registry No.": "electoral_registry",
    "Aircraft Manufacturer's Serial Number (MSN)": "aircraft_msn",
    "Aircraft Tail Number": "aircraft_tail",
}
# Longest first, so "Diplomatic Passport" wins over "Passport".
_LABELS = sorted(ID_KINDS, key=len, reverse=True)


def make_identifier(label: str, value: str, country: str | None = None) -> Identifier | None:
    """An Identifier for an OFAC/CSL label, or None when the label is not an identifier."""
    label = " ".join((label or "").split())
    kind = ID_KINDS.get(label)
    value = " ".join((value or "").split()).strip(" ;,.")
    if not kind or not value:
        return None
    if kind == "IMO":
        m = re.fullmatch(r"IMO\s*(\d{7})", value, flags=re.I)
        if not m:
            kind = "vessel_registration"
        else:
            value = m[1]
    return Identifier(kind, value, to_iso2(country) if country else None)


def _identifier_from_remark(item: str) -> Identifier | None:
    for label in _LABELS:
        if item.startswith(label + " "):
            rest = item[len(label) + 1:].strip()
            rest = re.split(r"\s+(?:issued|expires|Issue Date|Expire Date)\b", rest, maxsplit=1)[0].strip()
            country = None
            m = re.fullmatch(r"(.+?)\s*\(([^()]+)\)", rest)
            if m:
                rest, country = m[1], m[2]
            return make_identifier(label, rest, country)
    return None


# ---------------------------------------------------------------------------------------------
# Remarks
# ---------------------------------------------------------------------------------------------


@dataclass
class RemarkFacts:
    names: list[tuple[str, str]] = field(default_factory=list)  # (name, kind)
    birth_dates: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    listing_dates: dict[str, str] = field(default_factory=dict)  # "CMIC" -> ISO date


_AKA = re.compile(r"([afn])\.k\.a\.,?\s*['‘](.+)['’]", re.I)
_COUNTRY_FACT = re.compile(r"(?:nationality of registration|nationality|citizen)\s+(.+)", re.I)
_LISTING_DATE = re.compile(r"Listing Date \(([A-Z-]+)\):?\s*(.+)")


def parse_remarks(remarks: str) -> RemarkFacts:
    """Read the facts the model holds from an OFAC Remarks field."""
    facts = RemarkFacts()
    text = " ".join((remarks or "").split())
    if not text or text == "-0-":
        return facts
    for raw in text.split(";"):
        item = raw.strip().rstrip(".").strip()
        item = re.sub(r"^alt\.\s+", "", item)
        if not item:
            continue
        m = _AKA.fullmatch(item)
        if m:
            facts.names.append((m[2].strip(), FORMER if m[1].lower() == "f" else ALIAS))
            continue
        if item.startswith("Issuer Name "):
            facts.names.append((item[len("Issuer Name "):], ALIAS))
            continue
        if item.startswith("DOB "):
            facts.birth_dates.extend(d for d in parse_dates(item) if d not in facts.birth_dates)
            continue
        m = _COUNTRY_FACT.fullmatch(item)
        if m:
            code = to_iso2(m[1])
            if code and code not in facts.countries:
                facts.countries.append(code)
            continue
        m = _LISTING_DATE.fullmatch(item)
        if m:
            d = parse_date(m[2])
            if d:
                facts.listing_dates.setdefault(m[1], d)
            continue
        ident = _identifier_from_remark(item)
        if ident and ident not in facts.identifiers:
            facts.identifiers.append(ident)
    return facts


# ---------------------------------------------------------------------------------------------
# Lists of the non-SDN consolidated file
# ---------------------------------------------------------------------------------------------

# Programmes that make an entry of the consolidated file a menu-based (NS-MBS) listing.
MENU_BASED_PROGRAMMES = frozenset(
    {
        "MBS", "NS-MBS", "RUSSIA-EO14024", "CAATSA - RUSSIA", "CAATSA - IRAN", "BURMA-EO14014",
        "ILLICIT-DRUGS-EO14059", "PEESA", "PEESA-EO14039", "IRAN-EO13846",
    }
)


def cons_list_code(programme: str) -> str | None:
    """The non-SDN list a consolidated-file programme tag puts an entry on, if it names one."""
    t = programme.strip().upper()
    if t in ("NS-PLC", "PLC"):
        return "PLC"
    if "CMIC" in t:
        return "CMIC"
    if t == "SSI" or t.startswith("UKRAINE-EO13662"):
        return "SSI"
    if t in ("561-RELATED", "CAP", "CAPTA") or t.startswith("CAPTA"):
        return "CAP"
    if t == "FSE" or t.startswith("FSE-"):
        return "FSE"
    if t in ("MBS", "NS-MBS"):
        return "NS-MBS"
    return None


def split_programmes(value: str) -> list[str]:
    """OFAC writes several programmes as "A] [B"; trade.gov as "A; B"."""
    value = clean(value).strip("[] ")
    if not value:
        return []
    parts = re.split(r"\]\s*\[|;", value)
    return list(dict.fromkeys(p.strip() for p in parts if p.strip()))


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------

_SCHEMAS = {"individual": PERSON, "vessel": VESSEL, "aircraft": UNKNOWN, "": ORGANIZATION}


def _rows(data: bytes, what: str) -> list[list[str]]:
    text = decode_text(gunzip_if_needed(data))
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise SourceFormatError(f"OFAC {what} file is not readable CSV: {exc}") from exc
    # Drop blank lines and the DOS end-of-file marker (\x1a) OFAC appends.
    return [r for r in rows if any(c.strip().strip("\x1a") for c in r)]


def parse_legacy(
    files: dict[str, bytes], *, source: str = "ofac_sdn", published: str = "", url: str = ""
) -> Parsed:
    """Parse the legacy OFAC CSV set.

    ``files`` has "sdn" (or "prim" for cons_prim.csv) and optionally "add", "alt", "comments".
    """
    main_key = "sdn" if "sdn" in files else "prim" if "prim" in files else None
    if main_key is None:
        raise SourceFormatError("OFAC legacy set needs an 'sdn' or 'prim' file")
    consolidated = source == "ofac_cons" or main_key == "prim"
    raw = {k: gunzip_if_needed(files[k]) for k in ("sdn", "prim", "add", "alt", "comments") if files.get(k) is not None}
    main_rows = _rows(raw[main_key], main_key)
    if not main_rows:
        raise SourceFormatError(f"OFAC {main_key} file is empty")
    if main_rows[0] and main_rows[0][0].strip().lower() in ("ent_num", "ent num"):
        main_rows = main_rows[1:]  # tolerate a header row
    good = sum(1 for r in main_rows if len(r) == len(SDN_COLUMNS) and r[0].strip().isdigit())
    if good == 0 or good * 2 < len(main_rows):
        raise SourceFormatError(
            f"not an OFAC legacy {main_key}.csv: expected {len(SDN_COLUMNS)} header-less columns "
            f"starting with a numeric ent_num"
        )

    problems: list[str] = []
    comments: dict[str, str] = {}
    if "comments" in raw:
        for n, r in enumerate(_rows(raw["comments"], "comments"), 1):
            if len(r) < 2 or not r[0].strip().isdigit():
                problems.append(f"comments record {n}: expected ent_num and remarks, got {len(r)} fields")
                continue
            comments[r[0].strip()] = comments.get(r[0].strip(), "") + r[1]

    entities: dict[str, Entity] = {}
    for n, r in enumerate(main_rows, 1):
        if len(r) != len(SDN_COLUMNS):
            problems.append(f"record {n}: expected {len(SDN_COLUMNS)} fields, got {len(r)}")
            continue
        ent_num = r[0].strip()
        if not ent_num.isdigit():
            problems.append(f"record {n}: ent_num {r[0]!r} is not a number")
            continue
        if ent_num in entities:
            problems.append(f"record {n}: duplicate ent_num {ent_num}")
            continue
        name = clean(r[1])
        if not name:
            problems.append(f"record {n}: no name (ent_num {ent_num})")
            continue
        sdn_type = clean(r[2]).lower()
        schema = _SCHEMAS.get(sdn_type, UNKNOWN)
        programmes = split_programmes(r[3])
        remarks_raw = r[11] if clean(r[11]) else ""
        remarks = " ".join((remarks_raw + comments.get(ent_num, "")).split())
        facts = parse_remarks(remarks)

        names = [Name(name, PRIMARY)]
        for value, kind in facts.names:
            add_name(names, value, kind)
        identifiers = list(facts.identifiers)
        call_sign = clean(r[5])
        if call_sign:
            identifiers.append(Identifier("call_sign", call_sign))

        if consolidated:
            codes = list(dict.fromkeys(c for c in (cons_list_code(p) for p in programmes) if c))
            if not codes:
                codes = ["NS-MBS"]
                if not any(p.upper() in MENU_BASED_PROGRAMMES for p in programmes):
                    problems.append(
                        f"record {n}: programme {'; '.join(programmes) or '(none)'!r} of ent_num {ent_num} "
                        f"names no OFAC non-SDN list; filed under NS-MBS"
                    )
        else:
            codes = ["SDN"]
        listings = [
            Listing(
                list=code,
                programme="; ".join(programmes),
                start_date=facts.listing_dates.get(code, ""),
                source_url=url,
                remarks=remarks,
            )
            for code in codes
        ]
        entities[ent_num] = Entity(
            id=f"{source}:{ent_num}",
            schema=schema,
            names=names,
            listings=listings,
            countries=list(facts.countries),
            birth_dates=list(facts.birth_dates),
            identifiers=identifiers,
        )

    if "add" in raw:
        for n, r in enumerate(_rows(raw["add"], "add"), 1):
            if len(r) < 5 or not r[0].strip().isdigit():
                problems.append(f"add record {n}: expected 6 fields starting with ent_num, got {len(r)}")
                continue
            ent = entities.get(r[0].strip())
            if ent is None:
                problems.append(f"add record {n}: ent_num {r[0].strip()} is not in the {main_key} file")
                continue
            country_name = clean(r[4])
            parts = [clean(r[2]), clean(r[3]), country_name]
            address = ", ".join(p for p in parts if p)
            if address and address not in ent.addresses:
                ent.addresses.append(address)
            code = to_iso2(country_name)
            if code and code not in ent.countries:
                ent.countries.append(code)

    if "alt" in raw:
        kinds = {"aka": ALIAS, "nka": ALIAS, "fka": FORMER}
        for n, r in enumerate(_rows(raw["alt"], "alt"), 1):
            if len(r) < 4 or not r[0].strip().isdigit():
                problems.append(f"alt record {n}: expected 5 fields starting with ent_num, got {len(r)}")
                continue
            ent = entities.get(r[0].strip())
            if ent is None:
                problems.append(f"alt record {n}: ent_num {r[0].strip()} is not in the {main_key} file")
                continue
            alt_name = clean(r[3])
            if not alt_name:
                problems.append(f"alt record {n}: no alias name")
                continue
            add_name(ent.names, alt_name, kinds.get(clean(r[2]).lower(), ALIAS))

    body = b"\x1e".join(raw[k] for k in (main_key, "add", "alt", "comments") if k in raw)
    version = make_version(source, body, published=published, url=url, records=len(entities))
    for ent in entities.values():
        for lst in ent.listings:
            lst.version = version.id
    return Parsed(version=version, entities=list(entities.values()), problems=problems)


def parse(data: bytes, *, published: str = "", url: str = "", source: str = "ofac_sdn") -> Parsed:
    """Parse a single legacy ``sdn.csv`` (no address or alias files)."""
    if not data or not gunzip_if_needed(data).strip():
        raise SourceFormatError("OFAC sdn.csv is empty")
    key = "prim" if source == "ofac_cons" else "sdn"
    return parse_legacy({key: data}, source=source, published=published, url=url)
