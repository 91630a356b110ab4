"""Factories for the reports app's public models (opportunities and subscribers)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from reports.models import (
    Opportunity,
    OpportunityStatus,
    Subscriber,
    SubscriberStatus,
)


class OpportunityFactory(factory.django.DjangoModelFactory):
    """A published opportunity, open for another month (what the public sees)."""

    class Meta:
        model = Opportunity

    title = factory.Sequence(lambda n: f"Opportunity {n}")
    summary = "A service for victims of crime across the force area."
    estimated_value = Decimal("250000.00")
    closing_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    how_to_take_part = "Register on the South West Police Procurement portal."
    status = OpportunityStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    created_by = factory.SubFactory("tests.factories.UserFactory")

    class Params:
        draft = factory.Trait(status=OpportunityStatus.DRAFT, published_at=None)


class SubscriberFactory(factory.django.DjangoModelFactory):
    """A confirmed subscriber (confirmed a day ago, before any opportunity made now)."""

    class Meta:
        model = Subscriber

    email = factory.Sequence(lambda n: f"stakeholder{n}@example.org")
    status = SubscriberStatus.CONFIRMED
    confirmed_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))

    class Params:
        pending = factory.Trait(status=SubscriberStatus.PENDING, confirmed_at=None)
        unsubscribed = factory.Trait(
            status=SubscriberStatus.UNSUBSCRIBED, unsubscribed_at=factory.LazyFunction(timezone.now)
        )


FACTORIES: dict = {Opportunity: OpportunityFactory, Subscriber: SubscriberFactory}


# --- A world rich enough for every branch of the open data ------------------------------


def open_data_world():
    """Grants and contracts covering each branch the open data takes, plus the records
    it must leave out. Returns a namespace of what it made."""
    from types import SimpleNamespace

    from commissioning.models import OrganisationKind, Role
    from contracts import services as contract_services
    from grants import services as grant_services
    from grants.models import AwardRoute
    from tests.factories import (
        AreaFactory,
        ContractFactory,
        FundingStreamFactory,
        GrantFactory,
        KPIFactory,
        OrganisationFactory,
        ProcurementFactory,
        UserFactory,
        awardable,
        awarded_grant,
    )

    officer = UserFactory(
        role=Role.OFFICER, full_name="Olwen Secretname", email="olwen.secret@opcc.example.org"
    )
    area = AreaFactory(name="Bath and North East Somerset", geo_code="E06000022")
    stream_a = FundingStreamFactory(name="MoJ victims grant", amount=Decimal("500000.00"))
    stream_b = FundingStreamFactory(name="OPCC budget", amount=Decimal("500000.00"))

    # Two funding streams, an area, paid payments and onward grants.
    two_streams = GrantFactory(
        title="Community safety fund",
        amount=Decimal("20000.00"),
        beneficiary_area=area,
        responsible_officer=officer,
        instalments=2,
        recipient=OrganisationFactory(
            name="Bristol Community Foundation",
            kind=OrganisationKind.COMMUNITY_FOUNDATION,
            identifier="GB-CHC-1080000",
            website="https://example.org/foundation",
            email="director@foundation.example.org",
            telephone="0117 000 0000",
            address="1 Secret Street",
        ),
    )
    grant_services.grant_set_charges(
        grant=two_streams,
        by=officer,
        charges=[(stream_a, Decimal("12000.00")), (stream_b, Decimal("8000.00"))],
    )
    awardable(two_streams)
    grant_services.grant_award(grant=two_streams, by=officer, award_date=datetime.date(2025, 3, 20))
    first_instalment = two_streams.payments.filter(instalment=1)
    for payment in first_instalment:
        grant_services.payment_mark_paid(
            payment=payment,
            by=officer,
            paid_date=datetime.date(2025, 4, 2),
            payment_reference="BACS-SECRET-1",
        )
    onward_org = OrganisationFactory(name="Weston Youth Club", identifier="")
    onward_known = grant_services.onward_grant_add(
        parent=two_streams,
        by=officer,
        recipient_name="Weston Youth Club",
        recipient=onward_org,
        amount=Decimal("3000.00"),
        purpose="Youth diversion evenings.",
        area=area,
        award_date=datetime.date(2025, 6, 1),
    )
    onward_by_name = grant_services.onward_grant_add(
        parent=two_streams,
        by=officer,
        recipient_name="Jane Privateperson",
        amount=Decimal("500.00"),
        purpose="Equipment.",
        award_date=datetime.date(2025, 6, 2),
    )

    # No area (the whole force area), a direct award, a company recipient.
    whole_area = awarded_grant(
        title="Force-wide helpline",
        award_route=AwardRoute.DIRECT,
        direct_award_justification="The only provider of the helpline.",
        responsible_officer=officer,
        recipient=OrganisationFactory(name="Helpline Ltd", identifier="GB-COH-01234567"),
    )
    grant_services.grant_activate(grant=whole_area, by=officer)

    draft = GrantFactory(title="Draft grant never published", responsible_officer=officer)
    withdrawn = awarded_grant(title="Withdrawn grant never published", responsible_officer=officer)
    grant_services.grant_withdraw(grant=withdrawn, by=officer, reason="Did not go ahead.")

    # A contract with KPIs, meetings, a variation, extensions and a termination.
    full = ContractFactory(
        title="Independent sexual violence advisers",
        responsible_officer=officer,
        procurement=ProcurementFactory(award_date=datetime.date(2025, 2, 1)),
        supplier=OrganisationFactory(name="Advocacy Partners", identifier="GB-CHC-1090000"),
    )
    KPIFactory(contract=full, name="Contact within two days")
    KPIFactory(contract=full, name="Cases closed with a plan", direction="lower")
    meeting = full.meetings.order_by("due_date").first()
    contract_services.meeting_record(
        meeting=meeting,
        by=officer,
        held_on=meeting.due_date,
        minutes="Minutes naming Olwen Secretname.",
        rag="green",
    )
    contract_services.variation_record(
        contract=full,
        by=officer,
        description="Added an out-of-hours service.",
        value_effect=Decimal("50000.00"),
        effective_on=datetime.date(2025, 10, 1),
    )
    exercised = contract_services.extension_option_add(contract=full, by=officer, months=12)
    contract_services.extension_exercise(option=exercised, by=officer, on=datetime.date(2026, 1, 5))
    contract_services.extension_option_add(contract=full, by=officer, months=6)
    contract_services.contract_terminate(
        contract=full,
        by=officer,
        terminated_on=datetime.date(2026, 3, 31),
        reason="Secret reason for termination.",
        clause="12.1",
    )

    # A co-commissioned contract: the office contributes; another body leads.
    co_commissioned = ContractFactory(
        title="Sexual assault referral centre",
        responsible_officer=officer,
        lead_commissioner=OrganisationFactory(
            name="NHS England South West", kind=OrganisationKind.NHS_ENGLAND, identifier=""
        ),
        office_contribution=Decimal("120000.00"),
        start_date=datetime.date(2024, 4, 1),
        end_date=datetime.date(2027, 3, 31),
    )
    return SimpleNamespace(
        officer=officer,
        area=area,
        streams=(stream_a, stream_b),
        two_streams=two_streams,
        onward_known=onward_known,
        onward_by_name=onward_by_name,
        whole_area=whole_area,
        draft=draft,
        withdrawn=withdrawn,
        full=full,
        co_commissioned=co_commissioned,
    )
