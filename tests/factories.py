"""factory_boy factories for the whole suite. Later apps add theirs here."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from commissioning.models import (
    FundingSource,
    FundingStream,
    Organisation,
    OrganisationContact,
    OrganisationKind,
    Role,
    User,
)

DEFAULT_PASSWORD = "correct-horse-battery"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.PROVIDER
    identifier = factory.Sequence(lambda n: f"GB-CHC-{1100000 + n}")


class OrganisationContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationContact

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.Sequence(lambda n: f"contact{n}@example.org")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Sequence(lambda n: f"User {n}")
    role = Role.OFFICER
    organisation = factory.Maybe(
        factory.LazyAttribute(lambda o: o.role == Role.PROVIDER),
        yes_declaration=factory.SubFactory(OrganisationFactory),
        no_declaration=None,
    )
    is_staff = factory.LazyAttribute(lambda o: o.role == Role.ADMIN)
    is_superuser = factory.LazyAttribute(lambda o: o.role == Role.ADMIN)

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def role_group(self, create, extracted, **kwargs):
        if create:
            self.groups.set([Group.objects.get_or_create(name=Role(self.role).label)[0]])


class FundingStreamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingStream

    name = factory.Sequence(lambda n: f"Funding stream {n}")
    source = FundingSource.OPCC_BUDGET
    funder = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.GOVERNMENT_DEPARTMENT)
    financial_year = 2025
    amount = Decimal("100000.00")


#: The factory that makes a row for each model, for tests that walk the URLconf.
FACTORIES = {
    Organisation: OrganisationFactory,
    OrganisationContact: OrganisationContactFactory,
    FundingStream: FundingStreamFactory,
    User: UserFactory,
}
