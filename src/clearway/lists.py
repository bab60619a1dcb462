"""The lists Clearway knows: short code, full name, authority, and what a listing means.

The codes are a public contract (CLI ``--lists``, JSON output, the API). The legal effect given
here is the list-wide default; an entry's own licence requirement and review policy, when the
publisher states them (Entity List, MEU), are carried on its :class:`~clearway.model.Listing`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ListInfo:
    code: str
    name: str
    name_zh: str
    authority: str
    jurisdiction: str  # "US", "CN", "JP", "CA"
    effect: str  # what a listing means for a joint project, in one or two sentences
    citation: str  # the rule the list rests on
    url: str  # the publisher's page


_BIS_EL = "https://www.bis.gov/entity-list"

LISTS: dict[str, ListInfo] = {
    i.code: i
    for i in (
        ListInfo("EL", "Entity List", "实体清单", "US Department of Commerce, Bureau of Industry and Security", "US",
                 "Licence required for the items in the entry's licence requirement (often all items subject to the EAR, "
                 "EAR99 included); applications reviewed under the entry's policy; almost no licence exceptions.",
                 "15 CFR 744.11, 744.16; Supplement No. 4 to Part 744", _BIS_EL),
        ListInfo("MEU", "Military End-User List", "军事最终用户清单", "US Department of Commerce, Bureau of Industry and Security", "US",
                 "Licence required for items in Supplement No. 2 to Part 744; only licence exception GOV available.",
                 "15 CFR 744.21; Supplement No. 7 to Part 744", "https://www.bis.gov/military-end-user-list"),
        ListInfo("MIEU", "Military-Intelligence End-User designations", "军事情报最终用户", "US Department of Commerce, Bureau of Industry and Security", "US",
                 "Licence required for all items subject to the EAR when a military-intelligence end user is involved; "
                 "US-person support restricted.",
                 "15 CFR 744.22", "https://www.federalregister.gov/documents/2021/01/15/2021-00977"),
        ListInfo("UVL", "Unverified List", "未经核实清单", "US Department of Commerce, Bureau of Industry and Security", "US",
                 "No licence exceptions; a UVL statement from the party is required before any export.",
                 "15 CFR 744.15; Supplement No. 6 to Part 744", "https://www.bis.gov/unverified-list"),
        ListInfo("DPL", "Denied Persons List", "被拒绝人员清单", "US Department of Commerce, Bureau of Industry and Security", "US",
                 "A denial order bars taking part in any transaction involving items subject to the EAR.",
                 "15 CFR Part 764, Supplement No. 2", "https://www.bis.gov/denied-persons-list"),
        ListInfo("SDN", "Specially Designated Nationals and Blocked Persons List", "特别指定国民清单", "US Department of the Treasury, OFAC", "US",
                 "Property and interests in property blocked; US persons may not deal with the party. EAR licence "
                 "requirements may also apply (15 CFR 744.8).",
                 "31 CFR Chapter V; 15 CFR 744.8", "https://ofac.treasury.gov/specially-designated-nationals-and-blocked-persons-list-sdn-human-readable-lists"),
        ListInfo("CMIC", "Non-SDN Chinese Military-Industrial Complex Companies List", "中国军工复合体企业清单", "US Department of the Treasury, OFAC", "US",
                 "US persons may not buy or sell publicly traded securities of the company (EO 13959 as amended by EO 14032); "
                 "other dealings are not prohibited.",
                 "EO 14032; 31 CFR Part 586", "https://ofac.treasury.gov/consolidated-sanctions-list-non-sdn-lists/ns-cmic-list"),
        ListInfo("SSI", "Sectoral Sanctions Identifications List", "行业制裁识别清单", "US Department of the Treasury, OFAC", "US",
                 "Specified debt, equity or project dealings prohibited under the applicable directive.",
                 "EO 13662 directives", "https://ofac.treasury.gov/consolidated-sanctions-list-non-sdn-lists"),
        ListInfo("NS-MBS", "Non-SDN Menu-Based Sanctions List", "非SDN菜单式制裁清单", "US Department of the Treasury, OFAC", "US",
                 "Menu-based sanctions selected for the party apply; not blocking.",
                 "CAATSA; EO 13846", "https://ofac.treasury.gov/consolidated-sanctions-list-non-sdn-lists"),
        ListInfo("CAP", "Correspondent Account or Payable-Through Account Sanctions (CAPTA) List", "代理账户制裁清单", "US Department of the Treasury, OFAC", "US",
                 "US financial institutions may not open or keep correspondent or payable-through accounts for the bank.",
                 "31 CFR Part 561", "https://ofac.treasury.gov/consolidated-sanctions-list-non-sdn-lists"),
        ListInfo("FSE", "Foreign Sanctions Evaders List", "外国制裁规避者清单", "US Department of the Treasury, OFAC", "US",
                 "Transactions by US persons with the party prohibited.",
                 "EO 13608", "https://ofac.treasury.gov/consolidated-sanctions-list-non-sdn-lists"),
        ListInfo("PLC", "Palestinian Legislative Council List", "巴勒斯坦立法委员会清单", "US Department of the Treasury, OFAC", "US",
                 "Listed for OFAC screening; dealings may require OFAC review.",
                 "31 CFR Part 594", "https://ofac.treasury.gov/consolidated-sanctions-list-non-sdn-lists"),
        ListInfo("ISN", "Nonproliferation Sanctions", "防扩散制裁", "US Department of State, Bureau of International Security and Nonproliferation", "US",
                 "Sanctions under the cited nonproliferation statute apply (often procurement and export-licence bans).",
                 "INKSNA, EO 12938, EO 13382 and others", "https://www.state.gov/nonproliferation-sanctions"),
        ListInfo("DTC", "ITAR Debarred List", "ITAR禁止清单", "US Department of State, Directorate of Defense Trade Controls", "US",
                 "Barred from taking part in exports of defence articles and services (ITAR).",
                 "22 CFR 127.7", "https://www.pmddtc.state.gov/ddtc_public/ddtc_public?id=ddtc_kb_article_page&sys_id=c22d1833dbb8d300d0a370131f9619f0"),
        ListInfo("1260H", "DoD Section 1260H Chinese Military Companies", "1260H中国军事企业清单", "US Department of Defense", "US",
                 "Identified as a Chinese military company; DoD may not contract with it (procurement bans from 2026-27). "
                 "Not an export control by itself.",
                 "NDAA FY2021 §1260H", "https://www.defense.gov/News/Releases/"),
        ListInfo("1286", "NDAA §1286 foreign institutions of concern", "1286条关注外国机构清单", "US Department of Defense", "US",
                 "Research-security concern: DoD reviews fundamental-research awards with ties to the institution; "
                 "talent-programme certifications (CHIPS §10632) apply.",
                 "NDAA FY2019 §1286; 42 USC 19232", "https://basicresearch.defense.gov/"),
        ListInfo("FCC", "FCC Covered List", "FCC受管控清单", "US Federal Communications Commission", "US",
                 "Covered equipment and services get no FCC equipment authorisation and may not be bought with "
                 "federal universal-service funds.",
                 "Secure and Trusted Communications Networks Act; 47 CFR 1.50002", "https://www.fcc.gov/supplychain/coveredlist"),
        ListInfo("UFLPA", "UFLPA Entity List", "维吾尔强迫劳动预防法实体清单", "US Department of Homeland Security, Forced Labor Enforcement Task Force", "US",
                 "Rebuttable presumption that goods made by the entity were made with forced labour; imports barred.",
                 "Uyghur Forced Labor Prevention Act §2(d)", "https://www.dhs.gov/uflpa-entity-list"),
        ListInfo("METI-EUL", "Japan METI End User List", "日本经济产业省最终用户清单", "Japan Ministry of Economy, Trade and Industry", "JP",
                 "Exports from Japan to the party need a licence when the item could serve WMD or conventional-weapons use "
                 "(catch-all controls).",
                 "Japan Foreign Exchange and Foreign Trade Act, catch-all controls", "https://www.meti.go.jp/policy/anpo/law05.html"),
        ListInfo("CA-NRO", "Canada Named Research Organizations", "加拿大指定研究机构清单", "Innovation, Science and Economic Development Canada", "CA",
                 "Canadian federally funded sensitive-technology research may not involve researchers affiliated with the organisation.",
                 "Policy on Sensitive Technology Research and Affiliations of Concern", "https://science.gc.ca/site/science/en/safeguarding-your-research/guidelines-and-tools-implement-research-security/sensitive-technology-research-and-affiliations-concern/named-research-organizations"),
        ListInfo("CN-UEL", "China Unreliable Entity List", "不可靠实体清单", "PRC Ministry of Commerce", "CN",
                 "China may bar the entity from China-related trade and investment, entry, and impose fines.",
                 "Provisions on the Unreliable Entity List (MOFCOM Order 2020 No. 4)", "http://www.mofcom.gov.cn/"),
        ListInfo("CN-ECL", "China Export Control Control List", "出口管制管控名单", "PRC Ministry of Commerce", "CN",
                 "Export of dual-use items from China to the party is prohibited.",
                 "Export Control Law; Dual-Use Items Export Control Regulations (2024) Art. 30", "http://www.mofcom.gov.cn/"),
        ListInfo("CN-ECWL", "China Export Control Watch List", "出口管制关注名单", "PRC Ministry of Commerce", "CN",
                 "Exporters of dual-use items to the party need extra end-user and end-use verification and a licence.",
                 "Dual-Use Items Export Control Regulations (2024) Art. 26", "http://www.mofcom.gov.cn/"),
        ListInfo("CN-AFSL", "China Countermeasure List (Anti-Foreign Sanctions Law)", "反制裁清单", "PRC Ministry of Foreign Affairs / State Council", "CN",
                 "Assets in China frozen, dealings with Chinese organisations and individuals prohibited, entry refused.",
                 "Anti-Foreign Sanctions Law Arts. 4-6, 15", "https://www.fmprc.gov.cn/"),
        ListInfo("CN-TAO", "China 'Taiwan independence' sanctions lists", "台独顽固分子及帮凶清单", "Taiwan Affairs Office of the State Council", "CN",
                 "Entry to mainland China, Hong Kong and Macau refused; cooperation with the person's organisations restricted.",
                 "Taiwan Affairs Office announcements", "http://www.gwytb.gov.cn/"),
    )
}

# The names publishers use in their own files, mapped to our codes (CSL "source" column etc.).
CSL_SOURCES: dict[str, str] = {
    "Entity List (EL) - Bureau of Industry and Security": "EL",
    "Military End User (MEU) List - Bureau of Industry and Security": "MEU",
    "Unverified List (UVL) - Bureau of Industry and Security": "UVL",
    "Denied Persons List (DPL) - Bureau of Industry and Security": "DPL",
    "Specially Designated Nationals (SDN) - Treasury Department": "SDN",
    "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury Department": "CMIC",
    "Sectoral Sanctions Identifications List (SSI) - Treasury Department": "SSI",
    "Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department": "NS-MBS",
    "Capta List (CAP) - Treasury Department": "CAP",
    "Foreign Sanctions Evaders (FSE) - Treasury Department": "FSE",
    "Palestinian Legislative Council List (PLC) - Treasury Department": "PLC",
    "Nonproliferation Sanctions (ISN) - State Department": "ISN",
    "ITAR Debarred (DTC) - State Department": "DTC",
}


class UnknownListError(ValueError):
    pass


def parse_codes(text: str | None) -> set[str] | None:
    """Parse a comma-separated ``--lists`` value; None means every list."""
    if not text:
        return None
    codes = {c.strip().upper() for c in text.split(",") if c.strip()}
    unknown = sorted(codes - LISTS.keys())
    if unknown:
        raise UnknownListError(
            f"unknown list code(s): {', '.join(unknown)} (known: {', '.join(sorted(LISTS))})"
        )
    return codes
