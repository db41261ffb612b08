"""Pattern detectors for identifiers in free text: NHS numbers (modulus 11), UK postcodes, UK phone
numbers and e-mail addresses. Compiled once per process."""

from __future__ import annotations

import re
from collections.abc import Callable

from imaging_hub.nhs_number import is_valid_nhs_number

# NHS England's postcode areas: a bare "letter(s) digit digit letter letter" pattern would also match
# sequence names such as "T1 3MM".
_POSTCODE_AREAS = (
    "AB", "AL", "B", "BA", "BB", "BD", "BF", "BH", "BL", "BN", "BR", "BS", "BT", "BX", "CA", "CB",
    "CF", "CH", "CM", "CO", "CR", "CT", "CV", "CW", "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT",
    "DY", "E", "EC", "EH", "EN", "EX", "FK", "FY", "G", "GL", "GU", "GY", "HA", "HD", "HG", "HP",
    "HR", "HS", "HU", "HX", "IG", "IM", "IP", "IV", "JE", "KA", "KT", "KW", "KY", "L", "LA", "LD",
    "LE", "LL", "LN", "LS", "LU", "M", "ME", "MK", "ML", "N", "NE", "NG", "NN", "NP", "NR", "NW",
    "OL", "OX", "PA", "PE", "PH", "PL", "PO", "PR", "RG", "RH", "RM", "S", "SA", "SE", "SG", "SK",
    "SL", "SM", "SN", "SO", "SP", "SR", "SS", "ST", "SW", "SY", "TA", "TD", "TF", "TN", "TQ", "TR",
    "TS", "TW", "UB", "W", "WA", "WC", "WD", "WF", "WN", "WR", "WS", "WV", "YO", "ZE",
)
_AREA = "|".join(sorted(_POSTCODE_AREAS, key=len, reverse=True))

POSTCODE = re.compile(rf"\b(?:{_AREA})\d[A-Z\d]?[ \t]*\d[ABD-HJLNP-UW-Z]{{2}}\b", re.IGNORECASE)
NHS_NUMBER = re.compile(r"(?<!\d)(\d{3})[ \t-]?(\d{3})[ \t-]?(\d{4})(?!\d)")
PHONE = re.compile(r"(?<![\d+])(?:\+44[ \t-]?(?:\(0\)[ \t-]?)?|\(?0)\d(?:[ \t)-]{0,2}\d){8,9}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

REDACTION = "*"


def redact_detected(text: str, found: set[str]) -> str:
    """Replace every detected identifier; the kinds found are added to ``found`` (never the values)."""

    def nhs(match: re.Match[str]) -> str:
        if is_valid_nhs_number("".join(match.groups())):
            found.add("nhs-number")
            return REDACTION
        return match.group(0)

    def mark(kind: str) -> Callable[[re.Match[str]], str]:
        def replace(_: re.Match[str]) -> str:
            found.add(kind)
            return REDACTION
        return replace

    if "@" in text:
        text = EMAIL.sub(mark("email"), text)
    if any(c.isdigit() for c in text):
        text = NHS_NUMBER.sub(nhs, text)
        text = PHONE.sub(mark("phone"), text)
        text = POSTCODE.sub(mark("postcode"), text)
    return text
