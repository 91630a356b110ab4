"""The office's open data: grants as a 360Giving package (JSON and CSV) and contracts as
an OCDS 1.1 release package.

Pure functions from model rows to plain dicts (money kept as ``Decimal`` until the JSON
is written), plus generators that write a package a record at a time, so 50,000 grants
never sit in memory at once. Only what the selectors publish is passed in; nothing
personal is ever written: no officer, no contact person, no email address or telephone
number, no postal address (a refuge's address must never be published), no payment
reference and no meeting minutes.

Choices worth knowing:

- Grant ids are the office's 360Giving prefix and the grant reference
  (``360G-ASOPCC-GR-2025-0007``); an organisation without an org-id identifier gets one
  made from the prefix (``360G-ASOPCC-ORG-12``), as the 360Giving guidance asks.
- A grant benefits its area (an ONS code, whose geoCodeType comes from the codelist by
  the code's first three characters) or, with no area, the whole force area.
- Money paid is ``amountDisbursed`` and one ``disbursementTransaction`` per payment made
  (a payment split across two funding streams is two rows here, one transaction there).
  The funding streams charged are ``classifications``.
- A grant an intermediary passes on is marked ``regrantType`` FRG010 (common regrant);
  each onward grant to a known organisation is its own record, funded by the
  intermediary and pointing back at its parent through ``relatedActivity``. Onward
  grants to a recipient known only by name are left out (it may be a person).
- Each contract is one OCDS release (ocid = the configured prefix and the reference):
  the office is the buyer, the supplier the supplier, a co-commissioned contract's lead
  body the procuring entity. Variations and exercised extensions are amendments;
  unexercised extension options set ``maxExtentDate``; review meetings are the
  implementation milestones; KPIs are agreed metrics (the OCDS metrics extension). The
  portal records no payments to suppliers (contract charges are commitments to funding
  streams, not payments), so no implementation transactions are written.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from commissioning.dates import add_months, months_covered
from commissioning.exports import Column
from commissioning.identifiers import split_identifier
from commissioning.templatetags.portal import ukdate
from grants.models import AwardRoute

LICENCE_NAME = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
THREESIXTY_VERSION = "1.4"
OCDS_VERSION = "1.1"
METRICS_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/"
    "ocds_metrics_extension/master/extension.json"
)
CURRENCY = "GBP"
COUNTRY = "GB"
#: 360Giving regrant type for a grant made to be passed on as grants (codelist
#: regrantType.csv: "Common Regrant").
COMMON_REGRANT = "FRG010"

#: The 360Giving geoCodeType of an ONS code, by the code's entity (its first three
#: characters), from the standard's codelist geoCodeType.csv (the "Documentation (URL)"
#: column names the ONS statistical entity each type is).
GEO_CODE_TYPES: dict[str, str] = {
    # England
    "E00": "OA",
    "E01": "LSOA",
    "E02": "MSOA",
    "E04": "PAR",
    "E05": "WD",
    "E06": "UA",
    "E07": "NMD",
    "E08": "MD",
    "E09": "LONB",
    "E10": "CTY",
    "E12": "RGN/GOR",
    "E14": "WPC",
    "E15": "EER",
    "E21": "CANNET",
    "E22": "CSP",
    "E23": "PFA",
    "E25": "PUA",
    "E26": "NPARK",
    "E28": "REGD",
    "E29": "REGSD",
    "E30": "TTWA",
    "E31": "FRA",
    "E32": "LAC",
    "E33": "WZ",
    "E36": "CMWD",
    "E37": "LEP",
    "E38": "CCG",
    "E39": "NHSAT",
    "E41": "CMLAD",
    "E42": "CMCTY",
    # Northern Ireland
    "N00": "SA",
    "N06": "WPC",
    # Scotland
    "S00": "OA",
    "S01": "DZ",
    "S02": "IG",
    "S03": "CHP",
    "S05": "ROA - CPP",
    "S06": "ROA - Local",
    "S08": "HB",
    "S12": "CA",
    "S13": "WD",
    "S14": "WPC",
    "S16": "SPC",
    "S22": "TTWA",
    # Wales
    "W00": "OA",
    "W01": "LSOA",
    "W02": "MSOA",
    "W03": "USOA",
    "W04": "COM",
    "W05": "WD",
    "W06": "UA",
    "W07": "WPC",
    "W09": "NAWC",
    "W14": "CDRP",
    "W20": "REGD",
    "W21": "REGSD",
    "W22": "TTWA",
    "W30": "AgricSmall",
    "W33": "CFA",
    "W35": "WZ",
    "W39": "CMWD",
    "W40": "CMLAD",
    "W41": "CMCTY",
}

#: Org-id lists whose number is a charity or company number (360Giving has fields for both).
CHARITY_SCHEMES = {"GB-CHC", "GB-SC", "GB-NIC"}
COMPANY_SCHEMES = {"GB-COH"}


# --- Small pieces -----------------------------------------------------------------------


def geo_code_type(code: str) -> str | None:
    """The codelist's geoCodeType for an ONS code such as ``E06000023`` (``UA``)."""
    return GEO_CODE_TYPES.get((code or "").strip().upper()[:3])


def _date(value: datetime.date) -> str:
    return value.isoformat()


def _datetime(value: datetime.date | datetime.datetime) -> str:
    """A full RFC 3339 date-time: a date is midnight at the start of that UK day."""
    if not isinstance(value, datetime.datetime):
        value = timezone.make_aware(datetime.datetime.combine(value, datetime.time.min))
    return value.isoformat()


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"))


def _office() -> dict:
    return {"id": settings.OFFICE_ORG_ID, "name": settings.OFFICE_NAME}


def grant_identifier(reference: str) -> str:
    return f"{settings.OPEN_DATA_360G_PREFIX}-{reference}"


def organisation_identifier(organisation) -> str:
    """The organisation's org-id, or one made from the office's 360Giving prefix."""
    return organisation.identifier or f"{settings.OPEN_DATA_360G_PREFIX}-ORG-{organisation.pk}"


def _organisation_360(organisation) -> dict:
    """An organisation as 360Giving names it: no address, email or telephone."""
    data: dict[str, Any] = {"id": organisation_identifier(organisation), "name": organisation.name}
    parts = split_identifier(organisation.identifier) if organisation.identifier else None
    if parts:
        scheme, number = parts
        if scheme in CHARITY_SCHEMES:
            data["charityNumber"] = number
        elif scheme in COMPANY_SCHEMES:
            data["companyNumber"] = number
    if organisation.website:
        data["url"] = organisation.website
    return data


def _location(area) -> dict:
    """Where the beneficiaries are: the grant's area, or the whole force area."""
    if area is None:
        location = {"name": settings.OFFICE_AREA_NAME, "countryCode": COUNTRY}
        code = settings.OPEN_DATA_FORCE_AREA_GEO_CODE
    else:
        location = {"name": area.name, "countryCode": COUNTRY}
        code = area.geo_code
    code = (code or "").strip().upper()
    if code:
        location["geoCode"] = code
        code_type = geo_code_type(code)
        if code_type:
            location["geoCodeType"] = code_type
    return location


# --- 360Giving --------------------------------------------------------------------------


def _disbursements(grant, grant_id: str, recipient_id: str) -> list[dict]:
    """One transaction per payment made: rows of the same instalment paid together
    (one per funding stream) are one payment. The payment reference stays private."""
    groups: dict[tuple, Decimal] = {}
    for payment in grant.paid_payments:
        key = (payment.paid_date, payment.instalment, payment.payment_reference)
        groups[key] = groups.get(key, Decimal("0.00")) + payment.amount
    transactions = []
    for number, ((paid_date, _instalment, _ref), value) in enumerate(sorted(groups.items()), 1):
        transactions.append(
            {
                "id": f"{grant_id}-D{number}",
                "transactionDate": _date(paid_date),
                "currency": CURRENCY,
                "value": _money(value),
                "provider": settings.OFFICE_ORG_ID,
                "recipient": recipient_id,
            }
        )
    return transactions


def onward_grant_identifier(onward, parent) -> str:
    return f"{grant_identifier(parent.reference)}-OG{onward.pk}"


def _onward(grant) -> list:
    """A grant's onward grants: read ahead by the file's stream, or prefetched."""
    onward = getattr(grant, "onward_list", None)
    return list(grant.onward_grants.all()) if onward is None else onward


def publishable_onward_grants(grant) -> list:
    """The onward grants published as their own records: those to a known organisation
    (a recipient known only by name may be a person)."""
    return [onward for onward in _onward(grant) if onward.recipient_id]


def _charged_streams(grant) -> list:
    """The funding streams a grant is charged to: read ahead by the file's stream, or
    from the charges ``open_data_grants()`` prefetches."""
    streams = getattr(grant, "charged_streams", None)
    if streams is None:
        streams = [charge.funding_stream for charge in grant.charges.all()]
    return streams


def grant_to_360(grant) -> dict:
    """One published grant as a 360Giving grant. Expects ``open_data_grants()``
    prefetches (charges, ``paid_payments``, onward grants), or
    ``open_data_grant_stream()``'s."""
    grant_id = grant_identifier(grant.reference)
    recipient = _organisation_360(grant.recipient)
    transactions = _disbursements(grant, grant_id, recipient["id"])
    record: dict[str, Any] = {
        "id": grant_id,
        "title": grant.title,
        "description": grant.purpose,
        "currency": CURRENCY,
        "amountAwarded": _money(grant.amount),
        "amountDisbursed": sum((t["value"] for t in transactions), Decimal("0.00")),
        "awardDate": _date(grant.award_date or grant.start_date),
        "plannedDates": [
            {
                "startDate": _date(grant.start_date),
                "endDate": _date(grant.end_date),
                "duration": months_covered(grant.start_date, grant.end_date),
            }
        ],
        "recipientOrganization": [recipient],
        "fundingOrganization": [_office()],
        "grantProgramme": [{"code": grant.programme.code, "title": grant.programme.name}],
        "beneficiaryLocation": [_location(grant.beneficiary_area)],
        "fromOpenCall": "Yes" if grant.award_route == AwardRoute.OPEN_CALL else "No",
        "classifications": [
            {
                "vocabulary": "Funding stream",
                "code": stream.reference or f"FS{stream.pk}",
                "title": str(stream),
                "description": stream.get_source_display(),
            }
            for stream in _charged_streams(grant)
        ],
        "dateModified": _datetime(grant.updated_at),
    }
    if transactions:
        record["disbursementTransaction"] = transactions
    onward = _onward(grant)
    if onward:
        record["regrantType"] = COMMON_REGRANT
        published = [onward_grant_identifier(o, grant) for o in publishable_onward_grants(grant)]
        if published:
            record["relatedActivity"] = published
    return record


def onward_grant_to_360(onward, parent) -> dict:
    """An onward grant to a known organisation, as the intermediary's grant."""
    return {
        "id": onward_grant_identifier(onward, parent),
        "title": f"{parent.title}: onward grant to {onward.recipient.name}",
        "description": onward.purpose,
        "currency": CURRENCY,
        "amountAwarded": _money(onward.amount),
        "awardDate": _date(onward.award_date),
        "recipientOrganization": [_organisation_360(onward.recipient)],
        "fundingOrganization": [_organisation_360(parent.recipient)],
        "grantProgramme": [{"code": parent.programme.code, "title": parent.programme.name}],
        "beneficiaryLocation": [_location(onward.area or parent.beneficiary_area)],
        "relatedActivity": [grant_identifier(parent.reference)],
        "dateModified": _datetime(parent.updated_at),
    }


def grant_records(grants: Iterable) -> Iterator[dict]:
    """Each grant's 360Giving record, followed by its published onward grants."""
    for grant in grants:
        yield grant_to_360(grant)
        for onward in publishable_onward_grants(grant):
            yield onward_grant_to_360(onward, grant)


def threesixty_package(
    *, modified: datetime.datetime | None, download_url: str, access_url: str
) -> dict:
    """The 360Giving package's metadata (its ``grants`` are written after it)."""
    package = {
        "version": THREESIXTY_VERSION,
        "title": f"Grants awarded by the {settings.OFFICE_NAME}",
        "description": "Grants awarded, active or closed, with payments made and onward "
        "grants. Onward grants are part of their parent grant's amount: count it once.",
        "identifier": f"{settings.OPEN_DATA_360G_PREFIX}-grants",
        "publisher": {
            "identifier": settings.OFFICE_ORG_ID,
            "name": settings.OFFICE_NAME,
            "website": settings.SITE_URL,
        },
        "license": LICENCE_URL,
        "downloadURL": download_url,
        "accessURL": access_url,
    }
    if modified is not None:
        package["modified"] = _datetime(modified)
    return package


# --- CSV (the 360Giving spreadsheet's column titles) ------------------------------------


def _first(record: dict, key: str) -> dict:
    values = record.get(key) or [{}]
    return values[0]


GRANT_CSV_COLUMNS = [
    Column("Identifier", lambda r: r["id"]),
    Column("Title", lambda r: r["title"]),
    Column("Description", lambda r: r["description"]),
    Column("Currency", lambda r: r["currency"]),
    Column("Amount Awarded", lambda r: r["amountAwarded"]),
    Column("Amount Disbursed", lambda r: r.get("amountDisbursed")),
    Column("Award Date", lambda r: r["awardDate"]),
    Column("Planned Dates:Start Date", lambda r: _first(r, "plannedDates").get("startDate")),
    Column("Planned Dates:End Date", lambda r: _first(r, "plannedDates").get("endDate")),
    Column("Planned Dates:Duration (months)", lambda r: _first(r, "plannedDates").get("duration")),
    Column("Recipient Org:Identifier", lambda r: _first(r, "recipientOrganization")["id"]),
    Column("Recipient Org:Name", lambda r: _first(r, "recipientOrganization")["name"]),
    Column(
        "Recipient Org:Charity Number",
        lambda r: _first(r, "recipientOrganization").get("charityNumber"),
    ),
    Column(
        "Recipient Org:Company Number",
        lambda r: _first(r, "recipientOrganization").get("companyNumber"),
    ),
    Column("Funding Org:Identifier", lambda r: _first(r, "fundingOrganization")["id"]),
    Column("Funding Org:Name", lambda r: _first(r, "fundingOrganization")["name"]),
    Column("Grant Programme:Code", lambda r: _first(r, "grantProgramme").get("code")),
    Column("Grant Programme:Title", lambda r: _first(r, "grantProgramme").get("title")),
    Column("Beneficiary Location:Name", lambda r: _first(r, "beneficiaryLocation").get("name")),
    Column(
        "Beneficiary Location:Geographic Code",
        lambda r: _first(r, "beneficiaryLocation").get("geoCode"),
    ),
    Column(
        "Beneficiary Location:Geographic Code Type",
        lambda r: _first(r, "beneficiaryLocation").get("geoCodeType"),
    ),
    Column(
        "Beneficiary Location:Country Code",
        lambda r: _first(r, "beneficiaryLocation").get("countryCode"),
    ),
    Column("From An Open Call?", lambda r: r.get("fromOpenCall")),
    Column("For Regrant Type", lambda r: r.get("regrantType")),
    Column("Related Activity", lambda r: "; ".join(r.get("relatedActivity", []))),
    Column(
        "Funding streams", lambda r: "; ".join(c["title"] for c in r.get("classifications", []))
    ),
    Column("Last Modified", lambda r: r["dateModified"]),
]


# --- OCDS -------------------------------------------------------------------------------


def ocid(contract) -> str:
    return f"{settings.OCDS_OCID_PREFIX}-{contract.reference}"


def _party(organisation, roles: list[str]) -> dict:
    party: dict[str, Any] = {
        "id": organisation.identifier or f"ORG-{organisation.pk}",
        "name": organisation.name,
        "roles": roles,
    }
    parts = split_identifier(organisation.identifier) if organisation.identifier else None
    if parts:
        party["identifier"] = {
            "scheme": parts[0],
            "id": parts[1],
            "legalName": organisation.name,
        }
    return party


def _office_party() -> dict:
    party: dict[str, Any] = {
        "id": settings.OFFICE_ORG_ID,
        "name": settings.OFFICE_NAME,
        "roles": ["buyer"],
    }
    parts = split_identifier(settings.OFFICE_ORG_ID)
    if parts:
        party["identifier"] = {
            "scheme": parts[0],
            "id": parts[1],
            "legalName": settings.OFFICE_NAME,
        }
    return party


def _value(amount: Decimal) -> dict:
    return {"amount": _money(amount), "currency": CURRENCY}


def contract_status(contract, today: datetime.date) -> str:
    """OCDS contractStatus: ``terminated`` once it has ended (early or on time),
    ``pending`` before it starts, else ``active``."""
    ended_on = contract.terminated_on or contract.end_date
    if (contract.terminated_on and contract.terminated_on <= today) or ended_on < today:
        return "terminated"
    if contract.start_date > today:
        return "pending"
    return "active"


def _meeting_milestone(meeting, today: datetime.date) -> dict:
    if meeting.held_on:
        status = "met"
    elif meeting.due_date < today:
        status = "notMet"
    else:
        status = "scheduled"
    milestone = {
        "id": f"meeting-{meeting.pk}",
        "title": "Contract review meeting",
        "type": "assessment",
        "dueDate": _datetime(meeting.due_date),
        "status": status,
    }
    if meeting.held_on:
        milestone["dateMet"] = _datetime(meeting.held_on)
    return milestone


def _go_live_milestone(contract) -> dict:
    milestone = {
        "id": "go-live",
        "title": "The service goes live",
        "type": "delivery",
        "dueDate": _datetime(contract.start_date),
        "status": "met" if contract.went_live_on else "scheduled",
    }
    if contract.went_live_on:
        milestone["dateMet"] = _datetime(contract.went_live_on)
    return milestone


def _amendments(variations, extensions) -> list[dict]:
    amendments = [
        {
            "id": f"variation-{variation.pk}",
            "date": _datetime(variation.effective_on),
            "rationale": variation.description,
        }
        for variation in variations
    ]
    for option in extensions:
        if not option.exercised_on:
            continue
        rationale = f"A {option.months}-month extension option was exercised"
        if option.new_end_date:
            rationale += f": the contract now ends on {ukdate(option.new_end_date)}"
        amendments.append(
            {
                "id": f"extension-{option.pk}",
                "date": _datetime(option.exercised_on),
                "rationale": rationale,
            }
        )
    return amendments


def _agreed_metrics(kpis) -> list[dict]:
    return [
        {
            "id": f"kpi-{kpi.pk}",
            "title": kpi.name,
            "description": kpi.measure,
            "observations": [
                {
                    "id": f"kpi-{kpi.pk}-target",
                    "measure": kpi.target,
                    "unit": {"name": kpi.unit},
                    "notes": f"Target. {kpi.get_direction_display()}; measured "
                    f"{kpi.get_frequency_display().lower()}.",
                }
            ],
        }
        for kpi in kpis
    ]


def contract_release(contract, *, today: datetime.date | None = None) -> dict:
    """One contract as an OCDS 1.1 release. Expects ``open_data_contracts()`` joins and
    prefetches (KPIs, meetings, variations, extension options)."""
    today = today or timezone.localdate()
    contract_ocid = ocid(contract)
    variations = list(contract.variations.all())
    extensions = list(contract.extensions.all())
    meetings = list(contract.meetings.all())
    kpis = list(contract.kpis.all())

    released = max([contract.updated_at, *(v.recorded_at for v in variations)])
    supplier = _party(contract.supplier, ["supplier"])
    parties = [_office_party(), supplier]
    if contract.lead_commissioner_id and contract.lead_commissioner_id != contract.supplier_id:
        parties.append(_party(contract.lead_commissioner, ["procuringEntity"]))

    awarded_on = (contract.procurement.award_date if contract.procurement_id else None) or (
        contract.start_date
    )
    original_value = contract.whole_life_value - sum(
        (v.value_effect for v in variations), Decimal("0.00")
    )
    status = contract_status(contract, today)
    ends = contract.end_date
    if contract.terminated_on and contract.terminated_on < ends:
        ends = contract.terminated_on
    period: dict[str, Any] = {
        "startDate": _datetime(contract.start_date),
        "endDate": _datetime(ends),
        "durationInDays": (ends - contract.start_date).days,
    }
    unexercised = sum(o.months for o in extensions if not o.exercised_on)
    if unexercised and not contract.terminated_on:
        period["maxExtentDate"] = _datetime(add_months(contract.end_date, unexercised))

    contract_block: dict[str, Any] = {
        "id": contract.reference,
        "awardID": f"{contract.reference}-award",
        "title": contract.title,
        "status": status,
        "period": period,
        "value": _value(contract.whole_life_value),
        "milestones": [_go_live_milestone(contract)],
    }
    amendments = _amendments(variations, extensions)
    if amendments:
        contract_block["amendments"] = amendments
    if meetings:
        contract_block["implementation"] = {
            "milestones": [_meeting_milestone(m, today) for m in meetings]
        }
    if kpis:
        contract_block["agreedMetrics"] = _agreed_metrics(kpis)

    tags = ["award", "contract"]
    if amendments:
        tags.append("contractAmendment")
    if meetings:
        tags.append("implementation")
    if status == "terminated" and contract.terminated_on:
        tags.append("contractTermination")

    release: dict[str, Any] = {
        "ocid": contract_ocid,
        "id": f"{contract_ocid}-{timezone.localtime(released):%Y%m%dT%H%M%S}",
        "date": _datetime(released),
        "tag": tags,
        "initiationType": "tender",
        "language": "en",
        "parties": parties,
        "buyer": {"id": settings.OFFICE_ORG_ID, "name": settings.OFFICE_NAME},
        "awards": [
            {
                "id": f"{contract.reference}-award",
                "title": contract.title,
                "status": "active",
                "date": _datetime(awarded_on),
                "value": _value(original_value),
                "suppliers": [{"id": supplier["id"], "name": supplier["name"]}],
                "contractPeriod": {
                    "startDate": _datetime(contract.start_date),
                    "endDate": _datetime(contract.end_date),
                },
            }
        ],
        "contracts": [contract_block],
    }
    if contract.office_contribution is not None:
        release["planning"] = {
            "budget": {
                "description": f"The {settings.OFFICE_SHORT_NAME}'s contribution to this "
                "co-commissioned contract",
                "amount": _value(contract.office_contribution),
            }
        }
    return release


def contract_releases(contracts: Iterable, *, today: datetime.date | None = None) -> Iterator:
    today = today or timezone.localdate()
    for contract in contracts:
        yield contract_release(contract, today=today)


def ocds_package(*, published: datetime.datetime | None, uri: str, policy_url: str) -> dict:
    """The OCDS release package's metadata (its ``releases`` are written after it)."""
    publisher: dict[str, Any] = {"name": settings.OFFICE_NAME, "uri": settings.SITE_URL}
    parts = split_identifier(settings.OFFICE_ORG_ID)
    if parts:
        publisher["scheme"], publisher["uid"] = parts
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "extensions": [METRICS_EXTENSION],
        "publishedDate": _datetime(published or timezone.now()),
        "publisher": publisher,
        "license": LICENCE_URL,
        "publicationPolicy": policy_url,
    }


# --- Writing a package a record at a time -----------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Money has two places: as a JSON number it is exact (whole pounds as integers).
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(value: Any) -> str:
    return json.dumps(value, default=_encode, ensure_ascii=False)


def json_package(metadata: dict, key: str, records: Iterable[dict]) -> Iterator[str]:
    """The package's metadata, then ``key`` holding each record in turn, as JSON text
    in pieces: only one record is ever built at a time."""
    head = to_json(metadata)
    yield head[:-1] + (", " if metadata else "") + to_json(key) + ": ["
    for index, record in enumerate(records):
        yield ("," if index else "") + "\n" + to_json(record)
    yield "\n]}\n"
