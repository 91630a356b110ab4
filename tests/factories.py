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
from contracts.models import KPI, Bid, Contract, Procurement, ProcurementRoute
from decisions.models import Answer, DecisionAssessment, DecisionType, Rating, Recommendation
from grants.models import (
    Area,
    AwardRoute,
    FraudRisk,
    Grant,
    LocalAllocation,
    Payment,
    Programme,
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


class DecisionAssessmentFactory(factory.django.DjangoModelFactory):
    """A draft assessment made through the service (so it has its six blank answers)."""

    class Meta:
        model = DecisionAssessment

    title = factory.Sequence(lambda n: f"Assessment {n}")
    decision_type = DecisionType.NEW_WORKSTREAM
    workstream = factory.SubFactory(WorkstreamFactory, status=WorkstreamStatus.PROPOSED)
    author = factory.SubFactory(UserFactory, role=Role.OFFICER)

    @classmethod
    def _create(cls, model_class, *args, author, **kwargs):
        from decisions.services import assessment_create

        return assessment_create(by=author, **kwargs)


class AnswerFactory(factory.django.DjangoModelFactory):
    """One of an assessment's six answers (they are made with the assessment)."""

    class Meta:
        model = Answer
        django_get_or_create = ("assessment", "question")

    assessment = factory.SubFactory(DecisionAssessmentFactory)
    question = factory.LazyAttribute(lambda o: o.assessment.question_set.questions.first())


def complete_answers(assessment, rating=Rating.MET, **fields):
    """Fill in all six answers and a recommendation to proceed, ready to submit."""
    from decisions.services import assessment_update

    fields.setdefault("recommendation", Recommendation.PROCEED)
    fields.setdefault("recommended_role", CommissioningRole.LEAD)
    fields.setdefault("summary", "Proceed as lead commissioner.")
    answers = {
        number: {"rating": rating, "narrative": f"Answer to question {number}."}
        for number in range(1, 7)
    }
    return assessment_update(assessment=assessment, by=assessment.author, answers=answers, **fields)


def submitted_assessment(**kwargs):
    from decisions.services import assessment_submit

    assessment = DecisionAssessmentFactory(**kwargs)
    complete_answers(assessment)
    return assessment_submit(assessment=assessment, by=assessment.author)


class GrantFactory(factory.django.DjangoModelFactory):
    """A draft grant made through the service, charged in full to one funding stream."""

    class Meta:
        model = Grant

    title = factory.Sequence(lambda n: f"Grant {n}")
    purpose = "Support for victims of crime."
    workstream = factory.SubFactory(WorkstreamFactory, role=CommissioningRole.FACILITATING)
    recipient = factory.SubFactory(OrganisationFactory)
    programme = factory.LazyFunction(lambda: Programme.objects.get(code="police-and-crime-grant"))
    amount = Decimal("20000.00")
    start_date = datetime.date(2025, 4, 1)
    end_date = datetime.date(2026, 3, 31)
    award_route = AwardRoute.OPEN_CALL
    responsible_officer = factory.SubFactory(UserFactory, role=Role.OFFICER)
    funding_stream = factory.SubFactory(FundingStreamFactory, amount=Decimal("500000.00"))

    @classmethod
    def _create(cls, model_class, *args, funding_stream, **kwargs):
        from grants.services import grant_create

        return grant_create(by=None, charges=[(funding_stream, kwargs["amount"])], **kwargs)


class PaymentFactory(factory.django.DjangoModelFactory):
    """A scheduled payment on a grant's first charge."""

    class Meta:
        model = Payment

    grant = factory.SubFactory("tests.factories.GrantFactory")
    charge = factory.LazyAttribute(lambda o: o.grant.charges.first())
    instalment = 1
    due_date = factory.LazyAttribute(lambda o: o.grant.start_date)
    amount = factory.LazyAttribute(lambda o: o.grant.amount)


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    name = factory.Sequence(lambda n: f"Area {n}")
    population = 100_000
    population_year = 2022
    population_source = "ONS mid-year population estimates"
    recorded_crime = 10_000
    crime_year = "2023/24"
    crime_source = "Police recorded crime"
    allocation_recipient = factory.SubFactory(
        OrganisationFactory, kind=OrganisationKind.COMMUNITY_SAFETY_PARTNERSHIP
    )


class LocalAllocationFactory(factory.django.DjangoModelFactory):
    """An allocation made through the service across two new areas."""

    class Meta:
        model = LocalAllocation

    title = factory.Sequence(lambda n: f"Allocation {n}")
    total = Decimal("100000.00")
    population_weight = Decimal(50)
    crime_weight = Decimal(50)
    created_by = factory.SubFactory(UserFactory, role=Role.OFFICER)

    @classmethod
    def _create(cls, model_class, *args, created_by, areas=None, **kwargs):
        from grants.services import allocation_create

        areas = areas or [AreaFactory(), AreaFactory()]
        return allocation_create(by=created_by, areas=areas, **kwargs)


class ProcurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Procurement

    workstream = factory.SubFactory(WorkstreamFactory)
    title = factory.Sequence(lambda n: f"Procurement {n}")
    route = ProcurementRoute.PROCUREMENT_SERVICE
    estimated_annual_value = Decimal("400000.00")
    estimated_whole_life_value = Decimal("2000000.00")


class BidFactory(factory.django.DjangoModelFactory):
    """A bid made through the service (so it has its suitability grounds)."""

    class Meta:
        model = Bid

    procurement = factory.SubFactory(ProcurementFactory)
    supplier = factory.SubFactory(OrganisationFactory)
    price = Decimal("1900000.00")

    @classmethod
    def _create(cls, model_class, *args, procurement, **kwargs):
        from contracts.services import bid_add

        return bid_add(procurement=procurement, by=None, **kwargs)


class ContractFactory(factory.django.DjangoModelFactory):
    """A contract entered through the service (meetings, notices and its end on the
    forward plan made with it)."""

    class Meta:
        model = Contract

    title = factory.Sequence(lambda n: f"Contract {n}")
    supplier = factory.SubFactory(OrganisationFactory)
    workstream = factory.SubFactory(WorkstreamFactory)
    annual_value = Decimal("300000.00")
    whole_life_value = Decimal("900000.00")
    start_date = datetime.date(2025, 4, 1)
    end_date = datetime.date(2028, 3, 31)
    responsible_officer = factory.SubFactory(UserFactory, role=Role.OFFICER)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from contracts.services import contract_create

        return contract_create(by=None, **kwargs)


class KPIFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KPI

    contract = factory.SubFactory(ContractFactory)
    name = factory.Sequence(lambda n: f"KPI {n}")
    measure = "Victims contacted within two working days of referral"
    target = Decimal("90.00")
    unit = "%"
    direction = "higher"
    frequency = "quarterly"


def awardable(grant, **due_diligence):
    """Complete a draft grant's due diligence and schedule so it can be awarded."""
    from grants.services import schedule_generate

    values = {
        "dd_organisation_checked": True,
        "dd_accounts_date": timezone.localdate(),
        "dd_safeguarding_policy": True,
        "dd_fraud_risk": FraudRisk.LOW,
        **due_diligence,
    }
    Grant.objects.filter(pk=grant.pk).update(**values)
    grant.refresh_from_db()
    schedule_generate(grant=grant, by=None)
    return grant


def awarded_grant(**kwargs):
    from grants.services import grant_award

    grant = awardable(GrantFactory(**kwargs))
    return grant_award(grant=grant, by=grant.responsible_officer)


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
    DecisionAssessment: DecisionAssessmentFactory,
    Answer: AnswerFactory,
    Grant: GrantFactory,
    Payment: PaymentFactory,
    Area: AreaFactory,
    LocalAllocation: LocalAllocationFactory,
    Procurement: ProcurementFactory,
    Bid: BidFactory,
    Contract: ContractFactory,
    KPI: KPIFactory,
}

# The apps above grants and contracts keep their factories in their own test packages
# (they build on the ones above); the URL walk finds them all here.
from tests.monitoring.factories import FACTORIES as _MONITORING_FACTORIES  # noqa: E402
from tests.reports.factories import FACTORIES as _REPORTS_FACTORIES  # noqa: E402

FACTORIES.update(_MONITORING_FACTORIES)
FACTORIES.update(_REPORTS_FACTORIES)
