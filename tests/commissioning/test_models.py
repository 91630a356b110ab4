"""Invariants that belong to one row: identifiers, roles, financial years, money."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from commissioning import services
from commissioning.dates import FinancialYear
from commissioning.identifiers import validate_org_id
from commissioning.models import FundingStream, Organisation, Role, User
from tests.factories import FundingStreamFactory, OrganisationFactory

# --- Organisation identifiers -----------------------------------------------------------


@pytest.mark.parametrize("identifier", ["GB-CHC-1234567", "GB-COH-01234567", "GB-LAE-BST"])
def test_well_formed_org_id_identifiers_are_accepted(identifier):
    validate_org_id(identifier)  # raises if refused


@pytest.mark.parametrize("identifier", ["GB-CHC-1234567", "GB-COH-01234567", "GB-LAE-BST"])
def test_organisation_with_well_formed_identifier_passes_full_clean(db, identifier):
    Organisation(name="Somewhere", kind="provider", identifier=identifier).full_clean()


def test_identifier_with_unknown_prefix_is_refused_with_an_example():
    with pytest.raises(ValidationError) as caught:
        validate_org_id("XX-ABC-1")
    message = caught.value.messages[0]
    assert caught.value.error_list[0].code == "unknown_scheme"
    assert "known list prefix" in message
    assert "GB-CHC" in message and "GB-COH" in message
    assert "for example GB-CHC-1234567" in message


def test_identifier_with_bad_number_names_the_scheme_and_an_example():
    with pytest.raises(ValidationError) as caught:
        validate_org_id("GB-CHC-12AB")
    message = caught.value.messages[0]
    assert caught.value.error_list[0].code == "bad_number"
    assert message == (
        "12AB is not a valid number for Charity Commission for England and Wales: "
        "it should look like GB-CHC-1234567"
    )


def test_organisation_full_clean_refuses_a_bad_identifier_at_the_field(db):
    organisation = Organisation(name="Somewhere", kind="provider", identifier="GB-CHC-12AB")
    with pytest.raises(ValidationError) as caught:
        organisation.full_clean()
    assert list(caught.value.message_dict) == ["identifier"]
    assert "Charity Commission for England and Wales" in caught.value.message_dict["identifier"][0]


# --- Users and their organisation -------------------------------------------------------


def test_provider_without_organisation_is_refused(db):
    user = User(email="p@example.org", full_name="Pat", role=Role.PROVIDER)
    with pytest.raises(ValidationError) as caught:
        user.full_clean(exclude=["password"])
    assert "A provider user must belong to one organisation" in str(caught.value)


def test_officer_with_an_organisation_is_refused(db):
    user = User(
        email="o@example.org",
        full_name="Olive",
        role=Role.OFFICER,
        organisation=OrganisationFactory(),
    )
    with pytest.raises(ValidationError) as caught:
        user.full_clean(exclude=["password"])
    assert "only provider users belong to an organisation" in str(caught.value)


def test_provider_with_organisation_and_officer_without_are_accepted(db):
    User(
        email="p@example.org",
        full_name="Pat",
        role=Role.PROVIDER,
        organisation=OrganisationFactory(),
    ).full_clean(exclude=["password"])
    User(email="o@example.org", full_name="Olive", role=Role.OFFICER).full_clean(
        exclude=["password"]
    )


# --- Financial years --------------------------------------------------------------------


def test_31_march_belongs_to_the_financial_year_that_started_the_previous_april():
    assert FinancialYear.containing(datetime.date(2025, 3, 31)) == FinancialYear(2024)


def test_1_april_starts_a_new_financial_year():
    assert FinancialYear.containing(datetime.date(2025, 4, 1)) == FinancialYear(2025)


def test_financial_year_label_start_and_end():
    year = FinancialYear(2024)
    assert year.label == "2024/25"
    assert str(year) == "2024/25"
    assert year.start == datetime.date(2024, 4, 1)
    assert year.end == datetime.date(2025, 3, 31)


def test_financial_year_label_across_a_century():
    assert FinancialYear(2099).label == "2099/00"


# --- Funding stream money ---------------------------------------------------------------


def test_fresh_funding_stream_has_nothing_committed_or_spent():
    stream = FundingStream(name="Victims", amount=Decimal("125000.50"), financial_year=2025)
    assert stream.committed == Decimal("0.00")
    assert isinstance(stream.committed, Decimal)
    assert stream.spent == Decimal("0.00")
    assert isinstance(stream.spent, Decimal)
    assert stream.headroom == Decimal("125000.50")


def test_saved_funding_stream_headroom_equals_amount_without_grants_or_contracts(db):
    stream = FundingStreamFactory(amount=Decimal("1234567.89"))
    stream = FundingStream.objects.get(pk=stream.pk)  # not annotated: the property queries
    assert stream.committed == Decimal("0.00")
    assert stream.spent == Decimal("0.00")
    assert stream.headroom == Decimal("1234567.89")
    assert isinstance(stream.headroom, Decimal)


def test_with_money_annotates_committed_spent_and_headroom_as_decimals(db):
    FundingStreamFactory(amount=Decimal("1234567.89"))
    FundingStreamFactory(amount=Decimal("0.10"))
    rows = list(FundingStream.objects.with_money().order_by("amount"))
    assert [row.headroom_total for row in rows] == [Decimal("0.10"), Decimal("1234567.89")]
    for row in rows:
        for value in (row.committed_total, row.spent_total, row.headroom_total):
            assert isinstance(value, Decimal)
        assert row.committed_total == Decimal("0.00")
        assert row.spent_total == Decimal("0.00")
        assert row.headroom == row.amount


def test_with_money_costs_one_query_for_many_streams(db, django_assert_num_queries):
    FundingStreamFactory.create_batch(10)
    with django_assert_num_queries(1):
        streams = list(FundingStream.objects.with_money())
        assert sum(stream.headroom for stream in streams) == Decimal("1000000.00")


@pytest.mark.parametrize("amount", ["0", "0.00", "-1", "-0.01"])
def test_funding_stream_amount_must_be_positive(db, amount):
    stream = FundingStreamFactory.build(funder=OrganisationFactory(), amount=Decimal(amount))
    with pytest.raises(ValidationError) as caught:
        stream.full_clean()
    assert "amount" in caught.value.message_dict


def test_funding_stream_of_one_penny_passes_full_clean(db):
    FundingStreamFactory.build(funder=OrganisationFactory(), amount=Decimal("0.01")).full_clean()


# --- History ----------------------------------------------------------------------------


def test_update_through_services_records_history_with_who_did_it(db, officer):
    organisation = services.organisation_create(by=officer, name="Safe Haven", kind="provider")
    services.organisation_update(organisation=organisation, by=officer, name="Safe Haven Trust")
    history = list(organisation.history.order_by("history_date", "history_id"))
    assert [(h.history_type, h.name, h.history_user) for h in history] == [
        ("+", "Safe Haven", officer),
        ("~", "Safe Haven Trust", officer),
    ]


def test_funding_stream_update_records_history_with_who_did_it(db, manager):
    stream = FundingStreamFactory(amount=Decimal("1000.00"))
    services.funding_stream_update(funding_stream=stream, by=manager, amount=Decimal("2000.00"))
    latest = stream.history.latest()
    assert latest.history_type == "~"
    assert latest.amount == Decimal("2000.00")
    assert latest.history_user == manager
