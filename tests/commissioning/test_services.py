"""Services for users, organisations, contacts and funding streams, called directly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from commissioning import services
from commissioning.models import (
    FundingSource,
    FundingStream,
    Organisation,
    OrganisationContact,
    Role,
    User,
)
from tests.factories import OrganisationContactFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


# --- Organisations ----------------------------------------------------------------------


def test_organisation_create_saves_the_row(officer):
    organisation = services.organisation_create(
        by=officer, name="Safe Haven Trust", kind="provider", identifier="GB-CHC-1234567"
    )
    saved = Organisation.objects.get(pk=organisation.pk)
    assert saved.name == "Safe Haven Trust"
    assert saved.identifier == "GB-CHC-1234567"


def test_organisation_create_refuses_an_identifier_already_in_use(officer):
    OrganisationFactory(name="Bristol Women's Aid", identifier="GB-CHC-1234567")
    with pytest.raises(ValidationError) as caught:
        services.organisation_create(
            by=officer, name="Another", kind="provider", identifier="GB-CHC-1234567"
        )
    assert list(caught.value.message_dict) == ["identifier"]
    message = caught.value.message_dict["identifier"][0]
    assert "Bristol Women's Aid" in message
    assert "GB-CHC-1234567" in message
    assert Organisation.objects.count() == 1


def test_organisation_update_refuses_another_organisations_identifier(officer):
    OrganisationFactory(name="First Light", identifier="GB-CHC-1234567")
    other = OrganisationFactory(name="Second Step", identifier="GB-CHC-7654321")
    with pytest.raises(ValidationError) as caught:
        services.organisation_update(organisation=other, by=officer, identifier="GB-CHC-1234567")
    assert "First Light" in caught.value.message_dict["identifier"][0]
    other.refresh_from_db()
    assert other.identifier == "GB-CHC-7654321"


def test_organisation_update_keeping_its_own_identifier_is_fine(officer):
    organisation = OrganisationFactory(name="Old name", identifier="GB-CHC-1234567")
    services.organisation_update(
        organisation=organisation, by=officer, name="New name", identifier="GB-CHC-1234567"
    )
    organisation.refresh_from_db()
    assert organisation.name == "New name"
    assert organisation.identifier == "GB-CHC-1234567"


def test_blank_identifiers_may_repeat(officer):
    services.organisation_create(by=officer, name="One", kind="provider", identifier="")
    services.organisation_create(by=officer, name="Two", kind="provider", identifier="")
    assert Organisation.objects.filter(identifier="").count() == 2


def test_organisation_create_refuses_a_malformed_identifier(officer):
    with pytest.raises(ValidationError) as caught:
        services.organisation_create(
            by=officer, name="One", kind="provider", identifier="GB-CHC-12AB"
        )
    assert "identifier" in caught.value.message_dict
    assert not Organisation.objects.exists()


# --- Funding streams --------------------------------------------------------------------


def test_funding_stream_create_saves_a_valid_stream(officer):
    funder = OrganisationFactory(kind="government")
    stream = services.funding_stream_create(
        by=officer,
        name="Victims' services",
        source=FundingSource.MOJ_VICTIMS_FORMULA,
        funder=funder,
        financial_year=2025,
        amount=Decimal("250000.00"),
    )
    saved = FundingStream.objects.get(pk=stream.pk)
    assert saved.amount == Decimal("250000.00")
    assert saved.history.latest().history_user == officer


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-100.00")])
def test_funding_stream_create_refuses_an_amount_that_is_not_positive(officer, amount):
    with pytest.raises(ValidationError) as caught:
        services.funding_stream_create(
            by=officer,
            name="Nothing",
            source=FundingSource.OPCC_BUDGET,
            funder=OrganisationFactory(),
            financial_year=2025,
            amount=amount,
        )
    assert "amount" in caught.value.message_dict
    assert not FundingStream.objects.exists()


def test_funding_stream_create_refuses_a_second_stream_of_the_same_name_and_year(officer):
    funder = OrganisationFactory()
    fields = {
        "name": "Police and Crime Grant",
        "source": FundingSource.OPCC_BUDGET,
        "funder": funder,
        "financial_year": 2025,
        "amount": Decimal("1000.00"),
    }
    services.funding_stream_create(by=officer, **fields)
    with pytest.raises(ValidationError) as caught:
        services.funding_stream_create(by=officer, **fields)
    assert "already exists for this financial year" in str(caught.value)
    assert FundingStream.objects.count() == 1


# --- Users ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_user_create_puts_the_user_in_their_roles_group(role):
    organisation = OrganisationFactory() if role == Role.PROVIDER else None
    user = services.user_create(
        email="Someone@Example.org", full_name="Some One", role=role, organisation=organisation
    )
    assert list(user.groups.values_list("name", flat=True)) == [Role(role).label]
    assert user.email == "someone@example.org"


def test_user_create_makes_admins_staff_and_superusers():
    admin = services.user_create(email="a@example.org", full_name="Ada", role=Role.ADMIN)
    assert admin.is_staff and admin.is_superuser


@pytest.mark.parametrize("role", [Role.OFFICER, Role.MANAGER, Role.VIEWER])
def test_user_create_does_not_make_other_staff_django_admins(role):
    user = services.user_create(email="x@example.org", full_name="X", role=role)
    assert not user.is_staff
    assert not user.is_superuser


def test_user_create_with_password_can_sign_in_and_without_cannot():
    with_password = services.user_create(
        email="a@example.org", full_name="A", role=Role.OFFICER, password="a-long-passphrase"
    )
    without = services.user_create(email="b@example.org", full_name="B", role=Role.OFFICER)
    assert with_password.check_password("a-long-passphrase")
    assert not without.has_usable_password()


def test_user_create_refuses_a_provider_without_organisation():
    with pytest.raises(ValidationError):
        services.user_create(email="p@example.org", full_name="P", role=Role.PROVIDER)
    assert not User.objects.filter(email="p@example.org").exists()


def test_user_set_role_to_provider_requires_an_organisation(officer):
    with pytest.raises(ValidationError):
        services.user_set_role(user=officer, role=Role.PROVIDER, by=None)
    officer.refresh_from_db()
    assert officer.role == Role.OFFICER


def test_user_set_role_to_provider_with_organisation_moves_their_group(officer):
    organisation = OrganisationFactory()
    services.user_set_role(user=officer, role=Role.PROVIDER, organisation=organisation, by=None)
    officer.refresh_from_db()
    assert officer.role == Role.PROVIDER
    assert officer.organisation == organisation
    assert list(officer.groups.values_list("name", flat=True)) == ["Provider"]


def test_switching_a_provider_back_to_officer_clears_their_organisation(provider, admin_user):
    services.user_set_role(
        user=provider, role=Role.OFFICER, organisation=provider.organisation, by=admin_user
    )
    provider.refresh_from_db()
    assert provider.role == Role.OFFICER
    assert provider.organisation is None
    assert list(provider.groups.values_list("name", flat=True)) == ["Commissioning officer"]
    assert provider.history.latest().history_user == admin_user


def test_user_set_role_to_admin_grants_django_admin_and_back_removes_it(officer):
    services.user_set_role(user=officer, role=Role.ADMIN, by=None)
    officer.refresh_from_db()
    assert officer.is_staff and officer.is_superuser
    services.user_set_role(user=officer, role=Role.VIEWER, by=None)
    officer.refresh_from_db()
    assert not officer.is_staff and not officer.is_superuser


# --- Contacts ---------------------------------------------------------------------------


def test_contact_create_saves_the_contact_against_the_organisation(officer):
    organisation = OrganisationFactory()
    contact = services.contact_create(
        organisation=organisation, by=officer, name="Jo Bloggs", email="jo@example.org"
    )
    assert list(organisation.contacts.all()) == [contact]
    assert contact.history.latest().history_user == officer


def test_contact_create_refuses_a_bad_email(officer):
    organisation = OrganisationFactory()
    with pytest.raises(ValidationError) as caught:
        services.contact_create(
            organisation=organisation, by=officer, name="Jo", email="not-an-email"
        )
    assert "email" in caught.value.message_dict
    assert not organisation.contacts.exists()


def test_contact_create_refuses_the_same_email_twice_at_one_organisation(officer):
    contact = OrganisationContactFactory(email="jo@example.org")
    with pytest.raises(ValidationError):
        services.contact_create(
            organisation=contact.organisation, by=officer, name="Jo", email="jo@example.org"
        )
    assert contact.organisation.contacts.count() == 1


def test_contact_remove_deletes_it_and_records_who(officer):
    contact = OrganisationContactFactory()
    pk = contact.pk
    services.contact_remove(contact=contact, by=officer)
    assert not OrganisationContact.objects.filter(pk=pk).exists()
    deleted = OrganisationContact.history.filter(id=pk).latest()
    assert deleted.history_type == "-"
    assert deleted.history_user == officer
