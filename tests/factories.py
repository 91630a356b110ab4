"""factory_boy factories for the whole suite. Later apps add theirs here."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from commissioning.models import (
    FundingSource,
    FundingStream,
    Organisation,
    OrganisationContact,
    OrganisationKind,
    Role,
    User,
)
from workstreams.models import (
    ChecklistItem,
    CommissioningRole,
    Milestone,
    MilestoneKind,
    PartnerPart,
    Portfolio,
    ServiceUserVoice,
    Stage,
    VoiceKind,
    Workstream,
    WorkstreamPartner,
    WorkstreamStatus,
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


class PortfolioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Portfolio
        django_get_or_create = ("name",)

    name = "Victim services"


class WorkstreamFactory(factory.django.DjangoModelFactory):
    """A workstream made through the service, so it has its role's checklist."""

    class Meta:
        model = Workstream

    title = factory.Sequence(lambda n: f"Workstream {n}")
    portfolio = factory.SubFactory(PortfolioFactory)
    lead_officer = factory.SubFactory(UserFactory, role=Role.OFFICER)
    role = CommissioningRole.LEAD
    status = WorkstreamStatus.ACTIVE
    stage = Stage.UNDERSTAND
    lead_commissioner = factory.Maybe(
        factory.LazyAttribute(lambda o: o.role == CommissioningRole.CO_COMMISSIONER),
        yes_declaration=factory.SubFactory(
            OrganisationFactory, kind=OrganisationKind.NHS_ENGLAND, identifier=""
        ),
        no_declaration=None,
    )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from workstreams.services import workstream_create

        return workstream_create(by=None, **kwargs)


class WorkstreamPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkstreamPartner

    workstream = factory.SubFactory(WorkstreamFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    part = PartnerPart.DELIVERY_PARTNER


class ChecklistItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChecklistItem

    workstream = factory.SubFactory(WorkstreamFactory)
    role = factory.LazyAttribute(lambda o: o.workstream.role)
    stage = Stage.UNDERSTAND
    order = 99
    title = factory.Sequence(lambda n: f"Checklist item {n}")


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    workstream = factory.SubFactory(WorkstreamFactory)
    kind = MilestoneKind.REVIEW
    date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=90))
    title = factory.Sequence(lambda n: f"Milestone {n}")


class ServiceUserVoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceUserVoice

    workstream = factory.SubFactory(WorkstreamFactory)
    date = factory.LazyFunction(timezone.localdate)
    kind = VoiceKind.CONSULTATION
    title = factory.Sequence(lambda n: f"Consultation {n}")
    summary = "Service users asked for evening appointments."


#: The factory that makes a row for each model, for tests that walk the URLconf.
FACTORIES = {
    Organisation: OrganisationFactory,
    OrganisationContact: OrganisationContactFactory,
    FundingStream: FundingStreamFactory,
    User: UserFactory,
    Portfolio: PortfolioFactory,
    Workstream: WorkstreamFactory,
    WorkstreamPartner: WorkstreamPartnerFactory,
    ChecklistItem: ChecklistItemFactory,
    Milestone: MilestoneFactory,
    ServiceUserVoice: ServiceUserVoiceFactory,
}
