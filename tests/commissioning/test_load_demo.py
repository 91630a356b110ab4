"""``manage.py load_demo``: the Avon and Somerset picture, loaded once and only once."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction

from commissioning import demo
from commissioning.demo import DEMO_PASSWORD
from commissioning.identifiers import validate_org_id
from commissioning.models import (
    FundingSource,
    FundingStream,
    Organisation,
    OrganisationKind,
    Role,
    User,
)

pytestmark = [pytest.mark.django_db]

LOCAL_AUTHORITIES = {
    "GB-LAE-BST": "Bristol City Council",
    "GB-LAE-BAS": "Bath and North East Somerset Council",
    "GB-LAE-NSM": "North Somerset Council",
    "GB-LAE-SGC": "South Gloucestershire Council",
    "GB-LAE-SOM": "Somerset Council",
}
ICBS = {"GB-NHS-QUY", "GB-NHS-QOX", "GB-NHS-QSL"}
SOURCES = [
    FundingSource.MOJ_VICTIMS_FORMULA,
    FundingSource.MOJ_VICTIMS_GENERAL,
    FundingSource.HOME_OFFICE_VRU,
    FundingSource.OPCC_BUDGET,
]
DEMO_EMAILS = {
    Role.OFFICER: "officer@example.org",
    Role.MANAGER: "manager@example.org",
    Role.PROVIDER: "provider@example.org",
    Role.VIEWER: "viewer@example.org",
    Role.ADMIN: "admin@example.org",
}


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """Load the demo once for the module (every app's loader runs, so it takes a few
    seconds), in a transaction rolled back afterwards; each test runs in a savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo()
        transaction.set_rollback(True)


def table_counts() -> dict[str, int]:
    """Rows in every table the project has, history tables and later apps' included."""
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def test_creates_the_office_and_its_partners(demo_output):

    office = Organisation.objects.get(identifier=settings.OFFICE_ORG_ID)
    assert office.name == settings.OFFICE_NAME
    assert office.kind == OrganisationKind.GOVERNMENT_DEPARTMENT

    for name, kind in [
        ("Avon and Somerset Constabulary", OrganisationKind.CONSTABULARY),
        ("South West Police Procurement Service", OrganisationKind.PROCUREMENT_SERVICE),
        ("Quartet Community Foundation", OrganisationKind.COMMUNITY_FOUNDATION),
        ("Somerset Community Foundation", OrganisationKind.COMMUNITY_FOUNDATION),
        ("Youth Endowment Fund", OrganisationKind.NATIONAL_BODY),
    ]:
        assert Organisation.objects.get(name=name).kind == kind
    assert Organisation.objects.get(identifier="GB-NHS-X24").kind == OrganisationKind.NHS_ENGLAND
    assert Organisation.objects.get(identifier="GB-GOR-D18").name == "Ministry of Justice"
    assert Organisation.objects.get(name="Home Office").kind == (
        OrganisationKind.GOVERNMENT_DEPARTMENT
    )


def test_creates_five_local_authorities_five_csps_and_three_icbs(demo_output):

    authorities = Organisation.objects.filter(kind=OrganisationKind.LOCAL_AUTHORITY)
    assert dict(authorities.values_list("identifier", "name")) == LOCAL_AUTHORITIES

    csps = Organisation.objects.filter(kind=OrganisationKind.COMMUNITY_SAFETY_PARTNERSHIP)
    assert csps.count() == 5
    assert set(csps.values_list("identifier", flat=True)) == {""}
    assert {
        name.removesuffix(" Community Safety Partnership")
        for name in csps.values_list("name", flat=True)
    } == {
        "Bristol",
        "Bath and North East Somerset",
        "North Somerset",
        "South Gloucestershire",
        "Somerset",
    }

    icbs = Organisation.objects.filter(kind=OrganisationKind.INTEGRATED_CARE_BOARD)
    assert set(icbs.values_list("identifier", flat=True)) == ICBS


def test_every_provider_has_a_primary_contact(demo_output):

    providers = Organisation.objects.filter(kind=OrganisationKind.PROVIDER)
    assert providers.count() >= 6
    for provider in providers:
        contact = provider.contacts.get(is_primary=True)
        assert contact.email.endswith("@example.org")


def test_creates_each_funding_stream_for_2024_25_to_2026_27(demo_output):

    office = Organisation.objects.get(identifier=settings.OFFICE_ORG_ID)
    funders = {
        FundingSource.MOJ_VICTIMS_FORMULA: "Ministry of Justice",
        FundingSource.MOJ_VICTIMS_GENERAL: "Ministry of Justice",
        FundingSource.HOME_OFFICE_VRU: "Home Office",
        FundingSource.OPCC_BUDGET: office.name,
    }
    for year in (2024, 2025, 2026):
        for source in SOURCES:
            stream = FundingStream.objects.get(source=source, financial_year=year)
            assert stream.funder.name == funders[source]
            assert isinstance(stream.amount, Decimal)
            assert stream.amount > Decimal("100000")
            assert stream.conditions
            assert stream.reporting_requirements
    assert FundingStream.objects.count() == 12


def test_creates_one_user_per_role_who_can_sign_in(demo_output):

    for role, email in DEMO_EMAILS.items():
        user = User.objects.get(email=email)
        assert user.role == role
        assert authenticate(email=email, password=DEMO_PASSWORD) == user
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)

    provider = User.objects.get(email=DEMO_EMAILS[Role.PROVIDER])
    assert provider.organisation is not None
    assert provider.organisation.kind == OrganisationKind.PROVIDER
    assert provider.organisation.name == demo.VICTIM_SERVICES_PROVIDER

    admin = User.objects.get(email=DEMO_EMAILS[Role.ADMIN])
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.get(email=DEMO_EMAILS[Role.OFFICER]).is_staff


def test_a_second_officer_and_manager_for_approvals(demo_output):

    assert User.objects.get(email="officer2@example.org").role == Role.OFFICER
    assert User.objects.get(email="manager2@example.org").role == Role.MANAGER
    assert User.objects.filter(role=Role.MANAGER).count() == 2


def test_running_twice_changes_nothing(demo_output):
    # A demo user who changed their password keeps it.
    officer = User.objects.get(email="officer@example.org")
    officer.set_password("a-new-password-of-my-own")
    officer.save(update_fields=["password"])
    before = table_counts()

    load_demo()

    assert table_counts() == before
    assert before["commissioning.HistoricalOrganisation"] == Organisation.objects.count()
    assert authenticate(email="officer@example.org", password="a-new-password-of-my-own")
    assert authenticate(email="officer@example.org", password=DEMO_PASSWORD) is None


def test_every_identifier_is_a_valid_org_id(demo_output):

    identifiers = list(
        Organisation.objects.exclude(identifier="").values_list("identifier", flat=True)
    )
    assert len(identifiers) >= 20
    for identifier in identifiers:
        validate_org_id(identifier)  # raises ValidationError if malformed


def test_prints_a_line_per_loader_and_the_sign_ins(demo_output):
    output = demo_output

    assert "core: created " in output
    for email in [*DEMO_EMAILS.values(), "officer2@example.org", "manager2@example.org"]:
        assert email in output
    assert DEMO_PASSWORD in output
