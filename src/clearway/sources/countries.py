"""Country names as publishers write them, mapped to ISO 3166-1 alpha-2 codes.

:func:`to_iso2` accepts an alpha-2 code (any case), an English country name in the forms the
US lists use ("CUBA", "Korea, North", "Bahamas, The", "Congo, Democratic Republic of the",
"Virgin Islands, British", "Hong Kong", "Burma", "UAE" ...) and, once filled in, Korean names
from :data:`_KO`. It returns ``None`` for anything it does not know (regions such as
"Region: Kafia Kingi", "undetermined", "None Identified") rather than guessing.

Kosovo is given the user-assigned code ``XK`` that most sanctions data uses; Palestinian
territories (``Palestinian``, ``West Bank``, ``Gaza``) map to ``PS``.
"""

from __future__ import annotations

import re
import unicodedata

# Every officially assigned ISO 3166-1 alpha-2 code, plus XK (Kosovo, user-assigned but universal
# in sanctions data).
ISO2: frozenset[str] = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
    BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
    EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
    HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
    LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
    NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
    TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK
    """.split()
)

# English names: ISO short names, common short forms, and the inverted forms OFAC and BIS use.
# Keys are written naturally; they are normalised with _norm() when the module loads.
_EN_NAMES: dict[str, str] = {
    "Afghanistan": "AF", "Aland Islands": "AX", "Albania": "AL", "Algeria": "DZ",
    "American Samoa": "AS", "Andorra": "AD", "Angola": "AO", "Anguilla": "AI", "Antarctica": "AQ",
    "Antigua and Barbuda": "AG", "Argentina": "AR", "Armenia": "AM", "Aruba": "AW",
    "Australia": "AU", "Austria": "AT", "Azerbaijan": "AZ",
    "Bahamas": "BS", "Bahamas, The": "BS", "The Bahamas": "BS", "Bahrain": "BH", "Bangladesh": "BD",
    "Barbados": "BB", "Belarus": "BY", "Belgium": "BE", "Belize": "BZ", "Benin": "BJ",
    "Bermuda": "BM", "Bhutan": "BT", "Bolivia": "BO", "Bolivia, Plurinational State of": "BO",
    "Bonaire, Sint Eustatius and Saba": "BQ", "Bosnia and Herzegovina": "BA", "Bosnia": "BA",
    "Botswana": "BW", "Bouvet Island": "BV", "Brazil": "BR",
    "British Indian Ocean Territory": "IO", "Brunei": "BN", "Brunei Darussalam": "BN",
    "Bulgaria": "BG", "Burkina Faso": "BF", "Burma": "MM", "Myanmar": "MM", "Burundi": "BI",
    "Cabo Verde": "CV", "Cape Verde": "CV", "Cambodia": "KH", "Cameroon": "CM", "Canada": "CA",
    "Cayman Islands": "KY", "Central African Republic": "CF", "CAR": "CF", "Chad": "TD",
    "Chile": "CL", "China": "CN", "People's Republic of China": "CN", "PRC": "CN",
    "China, People's Republic of": "CN", "Mainland China": "CN",
    "Christmas Island": "CX", "Cocos (Keeling) Islands": "CC", "Colombia": "CO", "Comoros": "KM",
    "Congo": "CG", "Congo, Republic of the": "CG", "Republic of the Congo": "CG",
    "Congo (Brazzaville)": "CG", "Congo-Brazzaville": "CG",
    "Congo, Democratic Republic of the": "CD", "Democratic Republic of the Congo": "CD",
    "Congo, The Democratic Republic of the": "CD", "Congo (Kinshasa)": "CD", "DRC": "CD",
    "Cook Islands": "CK", "Costa Rica": "CR", "Cote d Ivoire": "CI", "Cote d'Ivoire": "CI",
    "Ivory Coast": "CI", "Croatia": "HR", "Cuba": "CU", "Curacao": "CW", "Cyprus": "CY",
    "Czech Republic": "CZ", "Czechia": "CZ",
    "Denmark": "DK", "Djibouti": "DJ", "Dominica": "DM", "Dominican Republic": "DO",
    "Ecuador": "EC", "Egypt": "EG", "El Salvador": "SV", "Equatorial Guinea": "GQ", "Eritrea": "ER",
    "Estonia": "EE", "Eswatini": "SZ", "Swaziland": "SZ", "Ethiopia": "ET",
    "Falkland Islands": "FK", "Falkland Islands (Malvinas)": "FK", "Faroe Islands": "FO",
    "Fiji": "FJ", "Finland": "FI", "France": "FR", "French Guiana": "GF", "French Polynesia": "PF",
    "French Southern Territories": "TF",
    "Gabon": "GA", "Gambia": "GM", "The Gambia": "GM", "Gambia, The": "GM", "Georgia": "GE",
    "Germany": "DE", "Ghana": "GH", "Gibraltar": "GI", "Greece": "GR", "Greenland": "GL",
    "Grenada": "GD", "Guadeloupe": "GP", "Guam": "GU", "Guatemala": "GT", "Guernsey": "GG",
    "Guinea": "GN", "Guinea-Bissau": "GW", "Guyana": "GY",
    "Haiti": "HT", "Heard Island and McDonald Islands": "HM", "Holy See": "VA", "Vatican": "VA",
    "Vatican City": "VA", "Honduras": "HN", "Hong Kong": "HK", "Hong Kong SAR": "HK",
    "Hong Kong, China": "HK", "Hungary": "HU",
    "Iceland": "IS", "India": "IN", "Indonesia": "ID", "Iran": "IR",
    "Iran, Islamic Republic of": "IR", "Islamic Republic of Iran": "IR", "Iraq": "IQ",
    "Ireland": "IE", "Isle of Man": "IM", "Man, Isle of": "IM", "Israel": "IL", "Italy": "IT",
    "Jamaica": "JM", "Japan": "JP", "Jersey": "JE", "Jordan": "JO",
    "Kazakhstan": "KZ", "Kenya": "KE", "Kiribati": "KI",
    "Korea, North": "KP", "North Korea": "KP", "DPRK": "KP", "Democratic People's Republic of Korea": "KP",
    "Korea, Democratic People's Republic of": "KP", "Korea, Democratic People's Republic": "KP",
    "Korea, South": "KR", "South Korea": "KR", "Republic of Korea": "KR", "Korea, Republic of": "KR",
    "Kosovo": "XK", "Kuwait": "KW", "Kyrgyzstan": "KG", "Kyrgyz Republic": "KG",
    "Laos": "LA", "Lao People's Democratic Republic": "LA", "Latvia": "LV", "Lebanon": "LB",
    "Lesotho": "LS", "Liberia": "LR", "Libya": "LY", "Liechtenstein": "LI", "Lithuania": "LT",
    "Luxembourg": "LU",
    "Macau": "MO", "Macao": "MO", "Macau SAR": "MO", "Madagascar": "MG", "Malawi": "MW",
    "Malaysia": "MY", "Maldives": "MV", "Mali": "ML", "Malta": "MT", "Marshall Islands": "MH",
    "Martinique": "MQ", "Mauritania": "MR", "Mauritius": "MU", "Mayotte": "YT", "Mexico": "MX",
    "Micronesia": "FM", "Micronesia, Federated States of": "FM", "Moldova": "MD",
    "Moldova, Republic of": "MD", "Monaco": "MC", "Mongolia": "MN", "Montenegro": "ME",
    "Montserrat": "MS", "Morocco": "MA", "Mozambique": "MZ",
    "Namibia": "NA", "Nauru": "NR", "Nepal": "NP", "Netherlands": "NL", "The Netherlands": "NL",
    "Holland": "NL", "New Caledonia": "NC", "New Zealand": "NZ", "Nicaragua": "NI", "Niger": "NE",
    "Nigeria": "NG", "Niue": "NU", "Norfolk Island": "NF", "North Macedonia": "MK",
    "North Macedonia, The Republic of": "MK", "Republic of North Macedonia": "MK", "Macedonia": "MK",
    "Macedonia, The Former Yugoslav Republic of": "MK", "Northern Mariana Islands": "MP",
    "Norway": "NO",
    "Oman": "OM",
    "Pakistan": "PK", "Palau": "PW", "Palestine": "PS", "Palestinian": "PS",
    "Palestinian Territories": "PS", "Palestinian Authority": "PS", "West Bank": "PS",
    "Gaza": "PS", "Gaza Strip": "PS", "Region: Gaza": "PS", "Region: West Bank": "PS",
    "Panama": "PA", "Papua New Guinea": "PG", "Paraguay": "PY", "Peru": "PE", "Philippines": "PH",
    "Pitcairn": "PN", "Poland": "PL", "Portugal": "PT", "Puerto Rico": "PR",
    "Qatar": "QA",
    "Reunion": "RE", "Romania": "RO", "Russia": "RU", "Russian Federation": "RU", "Rwanda": "RW",
    "Saint Barthelemy": "BL", "Saint Helena": "SH", "Saint Kitts and Nevis": "KN",
    "St. Kitts and Nevis": "KN", "St. Kitts & Nevis": "KN", "Saint Lucia": "LC", "St. Lucia": "LC",
    "Saint Martin": "MF", "Saint Pierre and Miquelon": "PM",
    "Saint Vincent and the Grenadines": "VC", "St. Vincent and the Grenadines": "VC",
    "Samoa": "WS", "San Marino": "SM", "Sao Tome and Principe": "ST", "Saudi Arabia": "SA",
    "Senegal": "SN", "Serbia": "RS", "Seychelles": "SC", "Sierra Leone": "SL", "Singapore": "SG",
    "Sint Maarten": "SX", "Slovakia": "SK", "Slovak Republic": "SK", "Slovenia": "SI",
    "Solomon Islands": "SB", "Somalia": "SO", "South Africa": "ZA",
    "South Georgia and the South Sandwich Islands": "GS", "South Sudan": "SS", "Spain": "ES",
    "Sri Lanka": "LK", "Sudan": "SD", "Suriname": "SR", "Svalbard and Jan Mayen": "SJ",
    "Sweden": "SE", "Switzerland": "CH", "Syria": "SY", "Syrian Arab Republic": "SY",
    "Taiwan": "TW", "Taiwan, Province of China": "TW", "Chinese Taipei": "TW",
    "Republic of China": "TW", "Tajikistan": "TJ", "Tanzania": "TZ",
    "Tanzania, United Republic of": "TZ", "United Republic of Tanzania": "TZ", "Thailand": "TH",
    "Timor-Leste": "TL", "East Timor": "TL", "Togo": "TG", "Tokelau": "TK", "Tonga": "TO",
    "Trinidad and Tobago": "TT", "Tunisia": "TN", "Turkey": "TR", "Turkiye": "TR",
    "Turkmenistan": "TM", "Turks and Caicos Islands": "TC", "Tuvalu": "TV",
    "Uganda": "UG", "Ukraine": "UA", "Region: Crimea": "UA", "Crimea": "UA",
    "United Arab Emirates": "AE", "UAE": "AE", "U.A.E.": "AE",
    "United Kingdom": "GB", "UK": "GB", "U.K.": "GB", "Great Britain": "GB", "Britain": "GB",
    "England": "GB", "Scotland": "GB", "Wales": "GB", "Northern Ireland": "GB",
    "United Kingdom of Great Britain and Northern Ireland": "GB",
    "United States": "US", "United States of America": "US", "USA": "US", "U.S.A.": "US",
    "U.S.": "US", "United States Minor Outlying Islands": "UM",
    "Uruguay": "UY", "Uzbekistan": "UZ",
    "Vanuatu": "VU", "Venezuela": "VE", "Venezuela, Bolivarian Republic of": "VE", "Vietnam": "VN",
    "Viet Nam": "VN", "Virgin Islands, British": "VG", "British Virgin Islands": "VG",
    "Virgin Islands (British)": "VG", "Virgin Islands, U.S.": "VI", "U.S. Virgin Islands": "VI",
    "Wallis and Futuna": "WF", "Western Sahara": "EH",
    "Yemen": "YE",
    "Zambia": "ZM", "Zimbabwe": "ZW",
    "Region: Northern Mali": "ML",
}

# ---------------------------------------------------------------------------------------------
# Korean country names (한국어), filled in by the Korean-source helper. Keys are written as the
# publisher writes them; lookups try the name as given and with all spaces removed.
# ---------------------------------------------------------------------------------------------
_KO: dict[str, str] = {}
# ---------------------------------------------------------------------------------------------

_PUNCT = re.compile(r"[.'’‘`\"()]")
_SPACES = re.compile(r"[\s\-_,;/]+")


def _norm(name: str) -> str:
    """Fold case, accents and punctuation: "Côte d'Ivoire" -> "cote d ivoire"."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold().replace("&", " and ")
    text = _PUNCT.sub(" ", text)
    return " ".join(_SPACES.sub(" ", text).split())


_EN: dict[str, str] = {_norm(k): v for k, v in _EN_NAMES.items()}


def to_iso2(name: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code (upper case) for a country code or name, or None if unknown."""
    if not name:
        return None
    text = " ".join(str(name).split())
    if not text:
        return None
    if len(text) == 2 and text.isascii() and text.isalpha():
        code = text.upper()
        return code if code in ISO2 else None
    if _KO:
        hit = _KO.get(text) or _KO.get(text.replace(" ", ""))
        if hit:
            return hit
    key = _norm(text)
    hit = _EN.get(key)
    if hit:
        return hit
    if key.startswith("the "):
        return _EN.get(key[4:])
    return None
