"""Where each source is published, in which format, and which parser reads it.

The keys are the sources of :class:`~clearway.model.ListVersion` (``csl``, ``dod_1260h`` …). The
default sources are the ones the bundled snapshot is made of, each at its publisher's address
(``reference/sources.md``): the trade.gov Consolidated Screening List (which carries OFAC's SDN and
non-SDN lists, BIS's and State's), the OpenSanctions source files for the 1260H, §1286, FCC, MIEU
lists and China's lists, and the two structured registries for MOFCOM's lists and the lists
only they carry (UFLPA, Japan's End User List, Canada's NRO list).

OFAC's own legacy files and BIS's DPL text file are known sources too, but not fetched by
default: the CSL already carries the same SDN, non-SDN and DPL entries (trade.gov rebuilds it
from those files every day), so fetching both would list every party twice. Add them with
``clearway update --source ofac_sdn=URL``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from ..sources import bis_mieu, cn_mofcom, cn_sanctions, csl, dod_1260h, dpl, fcc, multi, ndaa_1286, ofac
from ..sources.base import Parsed

_OS_RAW = "https://raw.githubusercontent.com/opensanctions/opensanctions/main/datasets"

# Content types a publisher may legitimately serve for a format. Generic binary and text types
# are allowed for every format (GitHub's raw host serves text/plain for everything); an HTML
# page is never a list (a portal, a login wall, an error page).
GENERIC_TYPES = frozenset({"application/octet-stream", "binary/octet-stream", "application/gzip",
                           "application/x-gzip", "application/x-download", "application/force-download",
                           "text/plain"})
FORMAT_TYPES = {
    "json": frozenset({"application/json", "text/json", "application/x-json"}),
    "csv": frozenset({"text/csv", "application/csv", "text/comma-separated-values", "application/vnd.ms-excel",
                      "text/x-csv"}),
    "tsv": frozenset({"text/tab-separated-values", "text/tsv", "text/csv"}),
}


@dataclass(frozen=True, slots=True)
class Publisher:
    source: str  # ListVersion.source the parser produces
    title: str
    url: str  # the publisher's address (as last seen; see reference/sources.md)
    format: str  # "json", "csv" or "tsv": which content types are acceptable
    parse: Callable[..., Parsed]  # parse(data, published=, url=) -> Parsed
    default: bool = True  # fetched by a plain `clearway update`

    def accepts(self, content_type: str) -> bool:
        ct = content_type.split(";", 1)[0].strip().lower()
        return not ct or ct in GENERIC_TYPES or ct in FORMAT_TYPES[self.format]


PUBLISHERS: dict[str, Publisher] = {
    p.source: p
    for p in (
        Publisher("csl", "US Consolidated Screening List (trade.gov)",
                  "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.json",
                  "json", csl.parse),
        Publisher("dod_1260h", "DoD Section 1260H Chinese military companies (OpenSanctions source file)",
                  f"{_OS_RAW}/us/dod_chinese_milcorps/sanctions.csv", "csv", dod_1260h.parse),
        Publisher("ndaa_1286", "NDAA FY2019 §1286 institutions of concern (OpenSanctions source file)",
                  f"{_OS_RAW}/us/special_leg/source_files/section_1286.csv", "csv", ndaa_1286.parse),
        Publisher("fcc", "FCC Covered List (OpenSanctions source file)",
                  f"{_OS_RAW}/us/fcc_covered_list/table.csv", "csv", fcc.parse),
        Publisher("bis_mieu", "BIS military-intelligence end users (OpenSanctions source file)",
                  f"{_OS_RAW}/us/bis_mieu/mieu.csv", "csv", bis_mieu.parse),
        Publisher("cn_sanctions", "China's countermeasure, UEL, export-control and TAO lists (OpenSanctions cn_sanctions)",
                  f"{_OS_RAW}/cn/sanctions/sanctions.csv", "csv", cn_sanctions.parse),
        Publisher("cn_mofcom", "MOFCOM control list, UEL and watch list (security-export-control-registry)",
                  "https://raw.githubusercontent.com/xyna-bpinelab/security-export-control-registry/main/data/entities/cn.json",
                  "json", cn_mofcom.parse),
        Publisher("multi", "UFLPA, METI End User List, Canada NRO and native names (restricted-parties-db)",
                  "https://raw.githubusercontent.com/casslab-kaist/restricted-parties-db/main/public/data/restricted_parties.json",
                  "json", multi.parse),
        Publisher("ofac_sdn", "OFAC SDN list, legacy sdn.csv (Treasury)",
                  "https://www.treasury.gov/ofac/downloads/sdn.csv", "csv", ofac.parse, default=False),
        Publisher("ofac_cons", "OFAC non-SDN consolidated list, cons_prim.csv (Treasury)",
                  "https://www.treasury.gov/ofac/downloads/consolidated/cons_prim.csv", "csv",
                  partial(ofac.parse, source="ofac_cons"), default=False),
        Publisher("dpl", "BIS Denied Persons List, dpl.txt",
                  "https://www.bis.doc.gov/dpl/dpl.txt", "tsv", dpl.parse, default=False),
    )
}


class UnknownSourceError(ValueError):
    """A source name no publisher is registered for."""


def publisher(source: str) -> Publisher:
    try:
        return PUBLISHERS[source]
    except KeyError:
        raise UnknownSourceError(
            f"unknown source {source!r} (known: {', '.join(PUBLISHERS)})") from None


def default_sources() -> dict[str, str]:
    """source -> address, for every source a plain ``clearway update`` fetches."""
    return {p.source: p.url for p in PUBLISHERS.values() if p.default}
