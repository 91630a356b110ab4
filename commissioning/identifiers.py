"""Organisation identifiers in the org-id.guide form used by 360Giving and OCDS.

An identifier is a registration-list prefix and the organisation's number on that list,
e.g. ``GB-CHC-1234567`` (a charity registered in England and Wales). Each list has its
own shape of number, checked here so that a mistyped identifier is refused at the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class Scheme:
    prefix: str
    name: str
    pattern: str
    example: str


SCHEMES: dict[str, Scheme] = {
    s.prefix: s
    for s in [
        Scheme("GB-CHC", "Charity Commission for England and Wales", r"\d{6,7}", "GB-CHC-1234567"),
        Scheme("GB-SC", "Scottish Charity Regulator", r"SC\d{6}", "GB-SC-SC012345"),
        Scheme("GB-NIC", "Charity Commission for Northern Ireland", r"\d{5,6}", "GB-NIC-101234"),
        Scheme("GB-COH", "Companies House", r"(\d{8}|[A-Z]{2}\d{6})", "GB-COH-01234567"),
        Scheme("GB-MPR", "Mutuals Public Register", r"\d{1,6}[A-Z]{0,2}", "GB-MPR-12345R"),
        Scheme("GB-LAE", "Local authorities in England", r"[A-Z]{3,4}", "GB-LAE-BST"),
        Scheme("GB-LAS", "Local authorities in Scotland", r"[A-Z]{3,4}", "GB-LAS-EDH"),
        Scheme("GB-PLA", "Principal local authorities in Wales", r"[A-Z]{3,4}", "GB-PLA-CRF"),
        Scheme("GB-GOR", "UK government organisations", r"[A-Z]{1,3}\d{1,5}", "GB-GOR-PC390"),
        Scheme("GB-NHS", "NHS organisation data service", r"[A-Z0-9]{3,6}", "GB-NHS-QUY"),
        Scheme("GB-EDU", "Schools in England", r"\d{6}", "GB-EDU-123456"),
        Scheme("GB-UKPRN", "UK register of learning providers", r"\d{8}", "GB-UKPRN-10001234"),
    ]
}

IDENTIFIER_HELP = (
    "The org-id identifier: a list prefix and the organisation's number on it, "
    "for example GB-CHC-1234567 for a registered charity or GB-COH-01234567 for a company."
)


def split_identifier(value: str) -> tuple[str, str] | None:
    """Split ``GB-CHC-1234567`` into its scheme prefix and number, longest prefix first."""
    for prefix in sorted(SCHEMES, key=len, reverse=True):
        if value.startswith(prefix + "-"):
            return prefix, value[len(prefix) + 1 :]
    return None


def validate_org_id(value: str) -> None:
    parts = split_identifier(value)
    if parts is None:
        known = ", ".join(sorted(SCHEMES))
        raise ValidationError(
            "Enter an identifier that starts with a known list prefix (%(known)s), "
            "for example GB-CHC-1234567",
            code="unknown_scheme",
            params={"known": known},
        )
    prefix, number = parts
    scheme = SCHEMES[prefix]
    if not re.fullmatch(scheme.pattern, number):
        raise ValidationError(
            "%(number)s is not a valid number for %(name)s: it should look like %(example)s",
            code="bad_number",
            params={
                "number": number or "An empty number",
                "name": scheme.name,
                "example": scheme.example,
            },
        )
