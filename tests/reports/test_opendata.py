"""The open data: grants as a 360Giving package (JSON and CSV) and contracts as an OCDS
1.1 release package. Both files validate against the published schemas (local copies,
no network), carry only what is published, and name nobody."""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from jsonschema import Draft4Validator, Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012

from reports import opendata, selectors_public
from tests.factories import ContractFactory, KPIFactory, awarded_grant
from tests.reports.factories_public import open_data_world

pytestmark = pytest.mark.django_db

#: The standards' published schemas (see their README). Kept outside the project; a
#: different copy can be named with OPEN_DATA_SCHEMAS.
SCHEMAS = Path(
    os.environ.get("OPEN_DATA_SCHEMAS", Path(settings.BASE_DIR).parent / "shared" / "schemas")
)
GRANT_SCHEMA_URLS = (
    "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json",
    "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.3/schema/360-giving-schema.json",
)
RELEASE_SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"


def _load(*parts: str) -> dict:
    path = SCHEMAS.joinpath(*parts)
    assert path.exists(), f"The open-data schemas are missing: expected {path}"
    return json.loads(path.read_text())


def validate_360giving(package: dict) -> None:
    grant_schema = Resource(_load("360giving", "360-giving-schema.json"), specification=DRAFT202012)
    registry = Registry().with_resources((url, grant_schema) for url in GRANT_SCHEMA_URLS)
    validator = Draft202012Validator(
        _load("360giving", "360-giving-package-schema.json"),
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    errors = sorted(validator.iter_errors(package), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def validate_ocds(package: dict) -> None:
    release_schema = Resource(_load("ocds-1.1", "release-schema.json"), specification=DRAFT4)
    registry = Registry().with_resource(RELEASE_SCHEMA_URL, release_schema)
    validator = Draft4Validator(
        _load("ocds-1.1", "release-package-schema.json"),
        registry=registry,
        format_checker=Draft4Validator.FORMAT_CHECKER,
    )
    errors = sorted(validator.iter_errors(package), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def _body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


@pytest.fixture
def world():
    return open_data_world()


@pytest.fixture
def grants_package(client, world):
    response = client.get(reverse("open-data-grants-json"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return json.loads(_body(response))


@pytest.fixture
def contracts_package(client, world):
    response = client.get(reverse("open-data-contracts-json"))
    assert response.status_code == 200
    return json.loads(_body(response))


def _by_id(records: list[dict]) -> dict[str, dict]:
    return {record["id"]: record for record in records}


# --- The files validate -----------------------------------------------------------------


def test_the_grants_file_is_a_valid_360giving_package(grants_package):
    validate_360giving(grants_package)
    assert grants_package["version"] == "1.4"
    assert grants_package["license"] == opendata.LICENCE_URL
    assert grants_package["publisher"]["identifier"] == settings.OFFICE_ORG_ID


def test_the_contracts_file_is_a_valid_ocds_release_package(contracts_package):
    validate_ocds(contracts_package)
    assert contracts_package["version"] == "1.1"
    assert opendata.METRICS_EXTENSION in contracts_package["extensions"]


def test_the_schema_check_catches_a_broken_record(grants_package, contracts_package):
    """The validators are live: a grant with a plain number for its date fails."""
    grants_package["grants"][0]["awardDate"] = "20 March 2025"
    with pytest.raises(AssertionError, match="awardDate"):
        validate_360giving(grants_package)
    contracts_package["releases"][0]["date"] = "2025-03-20"  # not a full date-time
    with pytest.raises(AssertionError, match="date"):
        validate_ocds(contracts_package)


# --- 360Giving ----------------------------------------------------------------------------


def test_only_awarded_active_and_closed_grants_are_published(grants_package, world):
    titles = {grant["title"] for grant in grants_package["grants"]}
    assert world.two_streams.title in titles
    assert world.whole_area.title in titles
    assert world.draft.title not in titles
    assert world.withdrawn.title not in titles


def test_a_closed_grant_is_still_published():
    from grants.services import grant_close

    grant = awarded_grant(title="Finished last year")
    grant_close(grant=grant, by=grant.responsible_officer)
    records = list(opendata.grant_records(selectors_public.open_data_grants()))
    assert [r["title"] for r in records] == ["Finished last year"]


def test_a_grant_names_the_office_its_recipient_programme_area_and_dates(grants_package, world):
    grant = _by_id(grants_package["grants"])[
        f"{settings.OPEN_DATA_360G_PREFIX}-{world.two_streams.reference}"
    ]
    assert grant["fundingOrganization"] == [
        {"id": settings.OFFICE_ORG_ID, "name": settings.OFFICE_NAME}
    ]
    assert grant["recipientOrganization"] == [
        {
            "id": "GB-CHC-1080000",
            "name": "Bristol Community Foundation",
            "charityNumber": "1080000",
            "url": "https://example.org/foundation",
        }
    ]
    assert grant["amountAwarded"] == 20000
    assert grant["awardDate"] == "2025-03-20"
    assert grant["currency"] == "GBP"
    assert grant["fromOpenCall"] == "Yes"
    assert grant["grantProgramme"] == [
        {"code": world.two_streams.programme.code, "title": world.two_streams.programme.name}
    ]
    assert grant["beneficiaryLocation"] == [
        {
            "name": "Bath and North East Somerset",
            "countryCode": "GB",
            "geoCode": "E06000022",
            "geoCodeType": "UA",
        }
    ]
    assert grant["plannedDates"] == [
        {"startDate": "2025-04-01", "endDate": "2026-03-31", "duration": 12}
    ]
    assert [c["title"] for c in grant["classifications"]] == [
        str(stream) for stream in world.streams
    ]


def test_payments_made_are_disbursements_one_per_payment_across_streams(grants_package, world):
    grant = _by_id(grants_package["grants"])[
        f"{settings.OPEN_DATA_360G_PREFIX}-{world.two_streams.reference}"
    ]
    # The first instalment was paid from both streams (two rows): one payment of £10,000.
    assert grant["amountDisbursed"] == 10000
    assert grant["disbursementTransaction"] == [
        {
            "id": f"{grant['id']}-D1",
            "transactionDate": "2025-04-02",
            "currency": "GBP",
            "value": 10000,
            "provider": settings.OFFICE_ORG_ID,
            "recipient": "GB-CHC-1080000",
        }
    ]


def test_a_grant_without_an_area_benefits_the_force_area(grants_package, world, settings):
    grant = _by_id(grants_package["grants"])[
        f"{settings.OPEN_DATA_360G_PREFIX}-{world.whole_area.reference}"
    ]
    assert grant["beneficiaryLocation"] == [
        {"name": settings.OFFICE_AREA_NAME, "countryCode": "GB"}
    ]
    assert grant["fromOpenCall"] == "No"
    assert grant["amountDisbursed"] == 0
    assert "disbursementTransaction" not in grant
    assert grant["recipientOrganization"][0]["companyNumber"] == "01234567"


def test_the_force_area_code_when_configured_has_its_code_type(world, settings):
    settings.OPEN_DATA_FORCE_AREA_GEO_CODE = "E23000036"
    grant = opendata.grant_to_360(selectors_public.open_data_grants().get(pk=world.whole_area.pk))
    assert grant["beneficiaryLocation"][0]["geoCode"] == "E23000036"
    assert grant["beneficiaryLocation"][0]["geoCodeType"] == "PFA"


def test_onward_grants_are_regrants_of_the_intermediary(grants_package, world):
    grants = _by_id(grants_package["grants"])
    parent_id = f"{settings.OPEN_DATA_360G_PREFIX}-{world.two_streams.reference}"
    onward_id = f"{parent_id}-OG{world.onward_known.pk}"
    parent, onward = grants[parent_id], grants[onward_id]
    assert parent["regrantType"] == "FRG010"
    assert parent["relatedActivity"] == [onward_id]
    assert onward["relatedActivity"] == [parent_id]
    assert onward["fundingOrganization"][0]["id"] == "GB-CHC-1080000"
    # No org-id: an identifier made from the office's prefix.
    assert onward["recipientOrganization"][0]["id"] == (
        f"{settings.OPEN_DATA_360G_PREFIX}-ORG-{world.onward_known.recipient_id}"
    )
    assert onward["amountAwarded"] == 3000
    # An onward grant to a recipient known only by name may be to a person: left out.
    assert not any("Privateperson" in json.dumps(g) for g in grants.values())


def test_the_geo_code_types_follow_the_360giving_codelist():
    rows = list(csv.DictReader((SCHEMAS / "360giving" / "geoCodeType.csv").open()))
    from_codelist = {
        row["Documentation (URL)"].rstrip("/").rsplit("/", 1)[1]: row["Code"].strip()
        for row in rows
    }
    assert from_codelist == opendata.GEO_CODE_TYPES
    assert opendata.geo_code_type("E06000023") == "UA"
    assert opendata.geo_code_type("e07000187") == "NMD"
    assert opendata.geo_code_type("X99") is None
    assert opendata.geo_code_type("") is None


def test_the_grants_csv_has_the_same_records_with_360giving_column_titles(client, world):
    response = client.get(reverse("open-data-grants-csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(_body(response).lstrip("\ufeff"))))
    by_id = {row["Identifier"]: row for row in rows}
    parent = by_id[f"{settings.OPEN_DATA_360G_PREFIX}-{world.two_streams.reference}"]
    assert parent["Amount Awarded"] == "20000.00"
    assert parent["Amount Disbursed"] == "10000.00"
    assert parent["Beneficiary Location:Geographic Code Type"] == "UA"
    assert parent["Recipient Org:Identifier"] == "GB-CHC-1080000"
    assert parent["Funding Org:Identifier"] == settings.OFFICE_ORG_ID
    assert parent["For Regrant Type"] == "FRG010"
    assert len(rows) == 3  # two grants and one onward grant


# --- OCDS ---------------------------------------------------------------------------------


def _release(package, contract) -> dict:
    return {r["ocid"]: r for r in package["releases"]}[
        f"{settings.OCDS_OCID_PREFIX}-{contract.reference}"
    ]


def test_a_contract_release_has_the_office_as_buyer_and_the_supplier(contracts_package, world):
    release = _release(contracts_package, world.full)
    assert release["buyer"] == {"id": settings.OFFICE_ORG_ID, "name": settings.OFFICE_NAME}
    roles = {party["id"]: party["roles"] for party in release["parties"]}
    assert roles == {settings.OFFICE_ORG_ID: ["buyer"], "GB-CHC-1090000": ["supplier"]}
    supplier = next(p for p in release["parties"] if p["id"] == "GB-CHC-1090000")
    assert supplier["identifier"] == {
        "scheme": "GB-CHC",
        "id": "1090000",
        "legalName": "Advocacy Partners",
    }
    award = release["awards"][0]
    assert award["suppliers"] == [{"id": "GB-CHC-1090000", "name": "Advocacy Partners"}]
    assert award["date"].startswith("2025-02-01T00:00:00")  # the procurement's award
    assert award["value"] == {"amount": 900000, "currency": "GBP"}  # before the variation


def test_a_contract_release_records_variations_extensions_meetings_kpis_and_its_end(
    contracts_package, world
):
    release = _release(contracts_package, world.full)
    contract = release["contracts"][0]
    assert contract["status"] == "terminated"
    assert contract["value"] == {"amount": 950000, "currency": "GBP"}
    assert contract["period"]["endDate"].startswith("2026-03-31")
    assert "maxExtentDate" not in contract["period"]  # terminated: no more extensions
    rationales = [a["rationale"] for a in contract["amendments"]]
    assert rationales[0] == "Added an out-of-hours service."
    assert rationales[1].startswith("A 12-month extension option was exercised")
    meetings = contract["implementation"]["milestones"]
    assert meetings[0]["status"] == "met"
    assert {m["type"] for m in meetings} == {"assessment"}
    assert "transactions" not in contract["implementation"]  # no payments are recorded
    assert [m["title"] for m in contract["agreedMetrics"]] == [
        "Contact within two days",
        "Cases closed with a plan",
    ]
    assert contract["agreedMetrics"][0]["observations"][0]["measure"] == 90
    assert set(release["tag"]) == {
        "award",
        "contract",
        "contractAmendment",
        "implementation",
        "contractTermination",
    }


def test_a_co_commissioned_contract_names_its_lead_body_and_the_office_share(
    contracts_package, world
):
    release = _release(contracts_package, world.co_commissioned)
    roles = {party["name"]: party["roles"] for party in release["parties"]}
    assert roles["NHS England South West"] == ["procuringEntity"]
    assert release["planning"]["budget"]["amount"] == {"amount": 120000, "currency": "GBP"}


def test_unexercised_extension_options_set_the_furthest_end(world):
    contract = ContractFactory(end_date=datetime.date(2028, 3, 31))
    from contracts.services import extension_option_add

    extension_option_add(contract=contract, by=None, months=12)
    extension_option_add(contract=contract, by=None, months=12)
    release = opendata.contract_release(
        selectors_public.open_data_contracts().get(pk=contract.pk),
        today=datetime.date(2025, 6, 1),
    )
    assert release["contracts"][0]["period"]["maxExtentDate"].startswith("2030-03-31")
    assert release["contracts"][0]["status"] == "active"
    assert release["contracts"][0]["milestones"][0]["status"] == "scheduled"


# --- Nothing personal ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name", ["open-data-grants-json", "open-data-grants-csv", "open-data-contracts-json"]
)
def test_no_personal_data_in_any_file(client, world, url_name):
    body = _body(client.get(reverse(url_name)))
    for secret in (
        world.officer.full_name,
        world.officer.email,
        "director@foundation.example.org",
        "0117 000 0000",
        "1 Secret Street",
        "BACS-SECRET-1",
        "Minutes naming",
        "Secret reason for termination",
        "Jane Privateperson",
    ):
        assert secret not in body, f"{secret!r} was published in {url_name}"


# --- Streaming ----------------------------------------------------------------------------


def test_the_json_streams_record_by_record_with_queries_per_chunk(client):
    for _ in range(3):
        awarded_grant()
    response = client.get(reverse("open-data-grants-json"))
    pieces = list(response.streaming_content)
    assert response.streaming
    assert len(pieces) == 3 + 2  # the head, one piece per grant, the tail

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            list(opendata.grant_records(selectors_public.open_data_grants().iterator(2)))
        return len(captured)

    # Read two at a time: three grants are two chunks, each with its own prefetches,
    # and so are four.
    three = queries()
    awarded_grant()
    assert queries() == three


def test_contracts_stream_with_the_same_queries_for_more_contracts(client):
    contract = ContractFactory()
    KPIFactory(contract=contract)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            list(opendata.contract_releases(selectors_public.open_data_contracts().iterator(50)))
        return len(captured)

    few = count()
    for _ in range(5):
        KPIFactory(contract=ContractFactory())
    assert count() == few


def test_json_package_writes_valid_json_a_record_at_a_time():
    pieces = list(opendata.json_package({"a": 1}, "items", iter([{"x": Decimal("1.50")}, {}])))
    assert json.loads("".join(pieces)) == {"a": 1, "items": [{"x": 1.5}, {}]}
    assert json.loads("".join(opendata.json_package({}, "items", iter([])))) == {"items": []}


def test_the_open_data_page_lists_the_files_licence_counts_and_last_update(client, world):
    response = client.get(reverse("open-data"))
    text = response.content.decode()
    assert response.status_code == 200
    for url_name in ("open-data-grants-json", "open-data-grants-csv", "open-data-contracts-json"):
        assert reverse(url_name) in text
    assert "Open Government Licence v3.0" in text
    assert "2 grants awarded, active or closed" in text
    assert "2 contracts" in text
    assert "Last updated" in text


def test_the_files_stream_gives_the_same_records_as_the_prefetched_grants(world):
    """The files read payments and charges as plain rows a chunk at a time; what they
    write is exactly what the prefetched grants give."""
    streamed = list(opendata.grant_records(selectors_public.open_data_grant_stream(2)))
    prefetched = list(opendata.grant_records(selectors_public.open_data_grants()))
    assert streamed == prefetched
    assert any(record.get("disbursementTransaction") for record in streamed)
    assert all(record.get("classifications") for record in streamed if "regrantType" in record)

    def queries() -> int:  # one chunk: no query per grant
        with CaptureQueriesContext(connection) as captured:
            list(opendata.grant_records(selectors_public.open_data_grant_stream(100)))
        return len(captured)

    before = queries()
    awarded_grant()
    assert queries() == before
