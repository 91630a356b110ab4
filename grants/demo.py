"""Demo grants: the strategy's facilitating grants for 2024/25 and 2025/26 (and the
Police and Crime Grant for 2026/27), made and run through the services.

- The five local authority areas with their population and recorded-crime figures, each
  with its council as the recipient of local allocations (Community Safety Partnerships
  have no legal identity of their own: the council is the accountable body).
- The Police and Crime Grant to the five areas each year, split 50% population / 50%
  crime by a local allocation, then awarded and paid (quarterly, or half-yearly, in
  advance); one area returned an underspend at the end of 2024/25.
- The small grants fund through the community foundations, with Quartet's onward grants
  to small local groups; Violence Reduction Unit money to the local spokes in Bristol and
  Somerset; the Ministry of Justice IDVA and DA/SV allocations (one grant topped up from
  the office's own budget, so charged to two funding streams); one grant withdrawn.

Grants over the decision threshold carry an approved funding-award decision, made here
through the decision services (or the decisions demo's own, where it made one).

Registered with ``commissioning.demo`` at order 40. Idempotent: areas are looked up by
name, allocations and grants by title, decisions by title. A grant's life (award,
payments, closure) is played only when the grant is made, and only as far as today's
date allows, so a later run (even months later) writes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from commissioning.dates import FinancialYear, add_months
from commissioning.demo import Log, Tally, register_demo_loader
from commissioning.models import FundingStream, Notification, Organisation, User
from decisions import services as decision_services
from decisions.models import (
    AssessmentStatus,
    DecisionAssessment,
    DecisionType,
    Rating,
    Recommendation,
)
from workstreams import demo as W
from workstreams.models import Workstream

from . import services
from .models import (
    Area,
    AwardRoute,
    FraudRisk,
    Grant,
    LocalAllocation,
    MonitoringFrequency,
    OnwardGrant,
    PaymentStatus,
    PaymentTiming,
    Programme,
)

D = datetime.date
ADVANCE, ARREARS = PaymentTiming.ADVANCE, PaymentTiming.ARREARS
QUARTERLY, HALF_YEARLY = MonitoringFrequency.QUARTERLY, MonitoringFrequency.HALF_YEARLY

USERS = {
    "officer": "officer@example.org",
    "officer2": "officer2@example.org",
    "manager": "manager@example.org",
}

# --- Areas -----------------------------------------------------------------------------

POPULATION_YEAR = 2022
POPULATION_SOURCE = "ONS mid-year population estimates, mid-2022"
CRIME_YEAR = "2023/24"
CRIME_SOURCE = "Police recorded crime (demo figures)"


@dataclass(frozen=True)
class DemoArea:
    name: str
    geo_code: str
    population: int
    recorded_crime: int
    council: str  # the council's org-id identifier


AREAS = [
    DemoArea("Bristol", "E06000023", 472465, 57812, W.BRISTOL),
    DemoArea("Bath and North East Somerset", "E06000022", 195618, 13146, W.BATH_NES),
    DemoArea("North Somerset", "E06000024", 216728, 16388, W.NORTH_SOMERSET),
    DemoArea("South Gloucestershire", "E06000025", 293439, 19547, W.SOUTH_GLOS),
    DemoArea("Somerset", "E06000066", 576852, 41903, W.SOMERSET),
]

# --- Decisions -------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoDecision:
    title: str
    workstream: str
    amount: Decimal
    summary: str
    answers: tuple[str, str, str, str, str, str]
    reason: str
    author: str = "officer2"
    #: A decision the decisions demo makes for the same award, used when it is there.
    existing_title: str = ""


DECISIONS = {
    "pcg-2024": DemoDecision(
        title="Funding award: Police and Crime Grant 2024/25 to the five areas",
        workstream=W.POLICE_AND_CRIME_GRANT,
        amount=Decimal("580000.00"),
        summary="Award £580,000 to the five Community Safety Partnerships through their "
        "councils, split 50% by population and 50% by recorded crime, paid quarterly in "
        "advance.",
        answers=(
            "Each partnership's plan is checked against the Police and Crime Plan before "
            "its share is paid.",
            "Within the OPCC commissioning budget for 2024/25.",
            "The partnerships know their areas; the office sets the requirements.",
            "An annual allocation the team runs every year.",
            "Quarterly returns show spend against each plan; underspends come back.",
            "Local crime reduction work in all five areas.",
        ),
        reason="Approved: the same method as last year, within the budget line.",
    ),
    "pcg-2025": DemoDecision(
        title="Funding award: Police and Crime Grant 2025/26 to the five areas",
        workstream=W.POLICE_AND_CRIME_GRANT,
        amount=Decimal("600000.00"),
        summary="Award £600,000 to the five Community Safety Partnerships by population "
        "and crime, paid half-yearly in advance against their monitoring returns.",
        answers=(
            "Each partnership's plan is checked against the Police and Crime Plan.",
            "Within the OPCC commissioning budget for 2025/26.",
            "The partnerships know their areas; the office sets the requirements.",
            "An annual allocation the team runs every year.",
            "One partnership underspent last year; payments are half-yearly this year.",
            "Local crime reduction work in all five areas.",
        ),
        reason="Approved: within the budget line.",
        existing_title="Police and Crime Grant 2025/26 to the Community Safety Partnerships",
    ),
    "pcg-2026": DemoDecision(
        title="Funding award: Police and Crime Grant 2026/27 to the five areas",
        workstream=W.POLICE_AND_CRIME_GRANT,
        amount=Decimal("600000.00"),
        summary="Award £600,000 to the five Community Safety Partnerships by population "
        "and crime, paid quarterly in advance.",
        answers=(
            "The partnerships' plans for 2026/27 follow the refreshed Police and Crime Plan.",
            "Within the OPCC commissioning budget for 2026/27.",
            "The partnerships know their areas; the office sets the requirements.",
            "An annual allocation the team runs every year.",
            "Quarterly payments held back when a return is late.",
            "Local crime reduction work in all five areas.",
        ),
        reason="Approved: within the budget line set by the Commissioner.",
    ),
    "small-grants": DemoDecision(
        title="Funding award: small grants fund through the community foundations, "
        "2024/25 and 2025/26",
        workstream=W.SMALL_GRANTS,
        amount=Decimal("125000.00"),
        summary="Fund the small grants scheme for two years: Quartet Community Foundation "
        "for the four Avon areas and Somerset Community Foundation for Somerset.",
        answers=(
            "Small preventative projects deliver the plan's prevention priority locally.",
            "Within the OPCC commissioning budget in both years.",
            "The foundations run open calls and due diligence on small groups.",
            "Light for the team: the foundations administer the scheme.",
            "The foundations report every onward grant to us.",
            "Many small projects reach communities we could not reach directly.",
        ),
        reason="Approved: good value for a small team.",
    ),
    "vru": DemoDecision(
        title="Funding award: Violence Reduction Unit spokes in Bristol and Somerset, "
        "2024/25 and 2025/26",
        workstream=W.VRU_FUNDING,
        amount=Decimal("620000.00"),
        summary="Pass the Home Office VRU grant to the local spokes in Bristol and "
        "Somerset, paid quarterly in arrears against their claims.",
        answers=(
            "Preventing serious violence is a Police and Crime Plan priority.",
            "Home Office VRU grant for both years, with partners' match funding.",
            "The spokes sit in the councils with the local knowledge.",
            "Quarterly claims the team already handles for the Home Office.",
            "Paying in arrears against claims protects the grant.",
            "Reaches young people at risk in the two areas with the most violence.",
        ),
        reason="Approved, as required by the Home Office grant agreement.",
    ),
    "moj": DemoDecision(
        title="Funding award: MoJ IDVA and DA/SV local allocations, 2024/25 and 2025/26",
        workstream=W.MOJ_LOCAL_ALLOCATIONS,
        amount=Decimal("562650.00"),
        summary="Fund the IDVA posts and the domestic abuse and sexual violence support "
        "set out in the Ministry of Justice local allocations, topped up from the office's "
        "budget in 2025/26.",
        answers=(
            "Support for victims of domestic abuse and sexual violence is core to the plan.",
            "Ring-fenced MoJ allocations; £36,000 from the OPCC budget in 2025/26.",
            "Specialist providers already hold these posts.",
            "Managed with the victims grant returns the team already makes.",
            "Continuity of named posts and caseloads matters most to victims.",
            "Victims supported to cope and recover.",
        ),
        reason="Approved: in line with the MoJ allocations.",
        author="officer",
    ),
}

# --- Grants ----------------------------------------------------------------------------

DUE_DILIGENCE = {
    "dd_organisation_checked": True,
    "dd_safeguarding_policy": True,
}

CSP_JUSTIFICATION = (
    "The Police and Crime Grant goes to each Community Safety Partnership through its "
    "council, the partnership's accountable body, under section 9 of the Police Reform "
    "and Social Responsibility Act 2011."
)
CSP_PROCUREMENT = (
    "A crime and disorder reduction grant to a statutory partner, not the purchase of a "
    "service: the partnership decides what to fund against its own plan, so the "
    "procurement-service route does not apply."
)
VRU_PROCUREMENT = (
    "The Home Office VRU grant agreement passes this money to the local spokes, which sit "
    "in the councils; the spoke commissions its own interventions, so there is nothing "
    "for South West Police Procurement to buy."
)
MOJ_PROCUREMENT = (
    "The Ministry of Justice local allocation is ring-fenced for these named posts and "
    "their caseloads; re-procuring mid-allocation would break continuity for victims. "
    "The service is due to be procured through South West Police Procurement with the "
    "victim services re-commissioning."
)


@dataclass(frozen=True)
class Allocation:
    """A year's Police and Crime Grant: a local allocation and its five grants."""

    year: int
    total: Decimal
    decision: str
    award_date: datetime.date
    instalments: int
    close: bool = False
    #: Area name -> (amount, recorded on, note) of an underspend returned at year end.
    underspends: dict = field(default_factory=dict)
    #: Area whose latest payment due is held back (so one payment shows as overdue).
    hold_latest: str = ""

    @property
    def title(self) -> str:
        return f"Police and Crime Grant {FinancialYear(self.year).label}"


ALLOCATIONS = [
    Allocation(
        year=2024,
        total=Decimal("580000.00"),
        decision="pcg-2024",
        award_date=D(2024, 3, 21),
        instalments=4,
        close=True,
        underspends={
            "North Somerset": (
                Decimal("3180.50"),
                D(2025, 5, 16),
                "Year-end return: the night-time economy project started three months "
                "late. The unspent money went back to the PCC.",
            )
        },
    ),
    Allocation(
        year=2025,
        total=Decimal("600000.00"),
        decision="pcg-2025",
        award_date=D(2025, 3, 20),
        instalments=2,
        close=True,
    ),
    Allocation(
        year=2026,
        total=Decimal("600000.00"),
        decision="pcg-2026",
        award_date=D(2026, 3, 19),
        instalments=4,
        hold_latest="Somerset",
    ),
]


@dataclass(frozen=True)
class Onward:
    recipient_name: str
    area: str
    amount: Decimal
    purpose: str
    award_date: datetime.date


@dataclass(frozen=True)
class DemoGrant:
    title: str
    purpose: str
    workstream: str
    programme: str  # Programme.code
    recipient: str  # org-id identifier
    charges: tuple[tuple[str, Decimal], ...]  # (funding stream reference, amount)
    start_date: datetime.date
    end_date: datetime.date
    award_date: datetime.date
    payment_timing: str = ADVANCE
    instalments: int = 4
    monitoring_frequency: str = QUARTERLY
    area: str = ""
    award_route: str = AwardRoute.DIRECT
    direct_award_justification: str = ""
    procurement_route_justification: str = ""
    conditions: str = ""
    decision: str = ""
    officer: str = "officer2"
    fraud_risk: str = FraudRisk.LOW
    close: bool = False
    withdrawn_reason: str = ""
    onward: tuple[Onward, ...] = ()

    @property
    def amount(self) -> Decimal:
        return sum((amount for _, amount in self.charges), Decimal("0.00"))


QUARTET_JUSTIFICATION = (
    "Quartet Community Foundation administers the small grants scheme for the office in "
    "Bristol, Bath and North East Somerset, North Somerset and South Gloucestershire, "
    "under the agreement with the community foundations."
)
SMALL_GRANTS_CONDITIONS = (
    "Onward grants of up to £10,000 to voluntary and community groups for preventative "
    "work, awarded through an open call; each onward grant reported to the office; an "
    "administration fee of no more than 8%."
)
VRU_CONDITIONS = (
    "Spend on the interventions in the spoke's response strategy; quarterly claims in "
    "arrears with evidence of spend; data for the Home Office success measures."
)
MOJ_CONDITIONS = (
    "Spend only on the posts and services in the MoJ local allocation; changes to posts "
    "need the office's and the MoJ's agreement; quarterly MoJ returns."
)

GRANTS = [
    # --- Small grants fund -------------------------------------------------------------
    DemoGrant(
        title="Small grants fund 2024/25: Quartet Community Foundation",
        purpose="Small grants for preventative work by voluntary and community groups in "
        "the four Avon areas, awarded by the foundation through an open call.",
        workstream=W.SMALL_GRANTS,
        programme="small-grants",
        recipient=W.QUARTET_CF,
        charges=(("OPCC-CB-2024", Decimal("45000.00")),),
        start_date=D(2024, 4, 1),
        end_date=D(2025, 3, 31),
        award_date=D(2024, 3, 25),
        instalments=2,
        monitoring_frequency=HALF_YEARLY,
        direct_award_justification=QUARTET_JUSTIFICATION,
        conditions=SMALL_GRANTS_CONDITIONS,
        decision="small-grants",
        close=True,
        onward=(
            Onward(
                "Hartcliffe and Withywood Youth Project",
                "Bristol",
                Decimal("7500.00"),
                "Friday-night detached youth work on the estates, diverting young people "
                "from anti-social behaviour.",
                D(2024, 6, 14),
            ),
            Onward(
                "Knowle West Mothers' Network",
                "Bristol",
                Decimal("4800.00"),
                "Peer support groups for mothers affected by domestic abuse.",
                D(2024, 6, 14),
            ),
            Onward(
                "Midsomer Norton Street Pastors",
                "Bath and North East Somerset",
                Decimal("3250.00"),
                "Volunteer patrols in the night-time economy on Friday and Saturday nights.",
                D(2024, 7, 5),
            ),
            Onward(
                "Bath Refugee Women's Circle",
                "Bath and North East Somerset",
                Decimal("4350.00"),
                "Hate crime awareness sessions and help to report incidents.",
                D(2024, 7, 5),
            ),
            Onward(
                "Weston Wellbeing Café",
                "North Somerset",
                Decimal("5600.00"),
                "A weekly drop-in helping older people spot and report fraud and scams.",
                D(2024, 9, 20),
            ),
            Onward(
                "Kingswood Boxing Academy",
                "South Gloucestershire",
                Decimal("6000.00"),
                "Free evening sessions and mentoring for young people at risk of exploitation.",
                D(2024, 9, 20),
            ),
            Onward(
                "Yate and Sodbury Neighbourhood Watch",
                "South Gloucestershire",
                Decimal("2900.00"),
                "Home security kits for older and repeat victims of burglary.",
                D(2024, 11, 8),
            ),
        ),
    ),
    DemoGrant(
        title="Small grants fund 2025/26: Quartet Community Foundation",
        purpose="Small grants for preventative work by voluntary and community groups in "
        "the four Avon areas, awarded by the foundation through an open call.",
        workstream=W.SMALL_GRANTS,
        programme="small-grants",
        recipient=W.QUARTET_CF,
        charges=(("OPCC-CB-2025", Decimal("48000.00")),),
        start_date=D(2025, 4, 1),
        end_date=D(2026, 3, 31),
        award_date=D(2025, 3, 24),
        instalments=2,
        monitoring_frequency=HALF_YEARLY,
        direct_award_justification=QUARTET_JUSTIFICATION,
        conditions=SMALL_GRANTS_CONDITIONS,
        decision="small-grants",
        onward=(
            Onward(
                "St Pauls Carnival Youth Crew",
                "Bristol",
                Decimal("6500.00"),
                "Year-round music and mentoring for young people, with a safe space at "
                "the carnival.",
                D(2025, 6, 13),
            ),
            Onward(
                "Keynsham Community Shed",
                "Bath and North East Somerset",
                Decimal("3800.00"),
                "Practical projects bringing isolated men together, including men on "
                "community sentences.",
                D(2025, 6, 13),
            ),
            Onward(
                "Clevedon Youth Forum",
                "North Somerset",
                Decimal("4200.00"),
                "Young people designing a campaign on knife crime with their peers.",
                D(2025, 7, 11),
            ),
            Onward(
                "Filton Community Safety Volunteers",
                "South Gloucestershire",
                Decimal("2750.00"),
                "Speedwatch and neighbourhood patrols with the local policing team.",
                D(2025, 7, 11),
            ),
            Onward(
                "Easton Women's Safety Walks",
                "Bristol",
                Decimal("5150.00"),
                "Evening walks with women and girls to map where they feel unsafe, "
                "reported to the council and police.",
                D(2025, 9, 19),
            ),
        ),
    ),
    DemoGrant(
        title="Small grants fund 2025/26: Somerset Community Foundation",
        purpose="Small grants for preventative work by voluntary and community groups in "
        "Somerset, awarded by the foundation through an open call.",
        workstream=W.SMALL_GRANTS,
        programme="small-grants",
        recipient=W.SOMERSET_CF,
        charges=(("OPCC-CB-2025", Decimal("32000.00")),),
        start_date=D(2025, 4, 1),
        end_date=D(2026, 3, 31),
        award_date=D(2025, 3, 24),
        instalments=2,
        monitoring_frequency=HALF_YEARLY,
        area="Somerset",
        direct_award_justification="Somerset Community Foundation administers the small "
        "grants scheme for the office in Somerset, under the agreement with the community "
        "foundations.",
        conditions=SMALL_GRANTS_CONDITIONS,
        decision="small-grants",
    ),
    # --- Violence Reduction Unit spokes ------------------------------------------------
    *(
        DemoGrant(
            title=f"VRU local spoke {FinancialYear(year).label}: {area}",
            purpose=f"The {area} Violence Reduction Unit spoke: coordination and "
            "interventions to prevent serious violence among young people, under the "
            "spoke's response strategy.",
            workstream=W.VRU_FUNDING,
            programme="vru",
            recipient=council,
            charges=((f"HO-VRU-{year}", amount),),
            start_date=D(year, 4, 1),
            end_date=D(year + 1, 3, 31),
            award_date=D(year, 4, 12),
            payment_timing=ARREARS,
            area=area,
            direct_award_justification="The Home Office VRU grant agreement names the "
            "local spokes in the councils as the route for this money.",
            procurement_route_justification=VRU_PROCUREMENT,
            conditions=VRU_CONDITIONS,
            decision="vru",
            close=year == 2024,
        )
        for year, area, council, amount in [
            (2024, "Bristol", W.BRISTOL, Decimal("165000.00")),
            (2024, "Somerset", W.SOMERSET, Decimal("140000.00")),
            (2025, "Bristol", W.BRISTOL, Decimal("170000.00")),
            (2025, "Somerset", W.SOMERSET, Decimal("145000.00")),
        ]
    ),
    DemoGrant(
        title="VRU community grant 2025/26: youth diversion in Weston-super-Mare",
        purpose="Weekly sport and mentoring sessions for young people referred by schools "
        "and the youth offending team.",
        workstream=W.VRU_FUNDING,
        programme="vru",
        recipient=W.YOUNG_VOICES,
        charges=(("HO-VRU-2025", Decimal("18500.00")),),
        start_date=D(2025, 7, 1),
        end_date=D(2026, 3, 31),
        award_date=D(2025, 6, 10),
        payment_timing=ARREARS,
        instalments=3,
        area="North Somerset",
        award_route=AwardRoute.OPEN_CALL,
        conditions=VRU_CONDITIONS,
        withdrawn_reason="The partner venue closed before the project began and Young "
        "Voices could not find another in time. No payment was made; the money goes back "
        "to the VRU grant.",
    ),
    # --- Ministry of Justice local allocations -----------------------------------------
    DemoGrant(
        title="MoJ IDVA allocation 2024/25: Safe Harbour Domestic Abuse Service",
        purpose="Independent Domestic Violence Advisors across Avon and Somerset, as set "
        "out in the Ministry of Justice local allocation.",
        workstream=W.MOJ_LOCAL_ALLOCATIONS,
        programme="moj-idva",
        recipient=W.SAFE_HARBOUR,
        charges=(("MOJ-VG-2024", Decimal("186400.00")),),
        start_date=D(2024, 4, 1),
        end_date=D(2025, 3, 31),
        award_date=D(2024, 3, 28),
        direct_award_justification="The MoJ allocation funds the IDVA posts Safe Harbour "
        "already holds.",
        procurement_route_justification=MOJ_PROCUREMENT,
        conditions=MOJ_CONDITIONS,
        decision="moj",
        officer="officer",
        close=True,
    ),
    DemoGrant(
        title="MoJ DA/SV allocation 2024/25: Mendip and Avon Sexual Violence Support",
        purpose="Emotional and practical support for victims of sexual violence, as set "
        "out in the Ministry of Justice local allocation.",
        workstream=W.MOJ_LOCAL_ALLOCATIONS,
        programme="moj-da-sv",
        recipient=W.SV_SUPPORT,
        charges=(("MOJ-VG-2024", Decimal("94250.00")),),
        start_date=D(2024, 4, 1),
        end_date=D(2025, 3, 31),
        award_date=D(2024, 3, 28),
        direct_award_justification="The MoJ allocation funds the support Mendip and Avon "
        "already provides.",
        procurement_route_justification=MOJ_PROCUREMENT,
        conditions=MOJ_CONDITIONS,
        decision="moj",
        officer="officer",
        fraud_risk=FraudRisk.MEDIUM,
        close=True,
    ),
    DemoGrant(
        title="MoJ IDVA allocation 2025/26: Safe Harbour Domestic Abuse Service",
        purpose="Independent Domestic Violence Advisors across Avon and Somerset, as set "
        "out in the Ministry of Justice local allocation, with one more post funded by "
        "the office.",
        workstream=W.MOJ_LOCAL_ALLOCATIONS,
        programme="moj-idva",
        recipient=W.SAFE_HARBOUR,
        charges=(
            ("MOJ-VG-2025", Decimal("150000.00")),
            ("OPCC-CB-2025", Decimal("36000.00")),
        ),
        start_date=D(2025, 4, 1),
        end_date=D(2026, 3, 31),
        award_date=D(2025, 3, 27),
        direct_award_justification="The MoJ allocation funds the IDVA posts Safe Harbour "
        "already holds; the office adds one post from its budget.",
        procurement_route_justification=MOJ_PROCUREMENT,
        conditions=MOJ_CONDITIONS,
        decision="moj",
        officer="officer",
    ),
    DemoGrant(
        title="MoJ DA/SV allocation 2025/26: Mendip and Avon Sexual Violence Support",
        purpose="Emotional and practical support for victims of sexual violence, as set "
        "out in the Ministry of Justice local allocation.",
        workstream=W.MOJ_LOCAL_ALLOCATIONS,
        programme="moj-da-sv",
        recipient=W.SV_SUPPORT,
        charges=(("MOJ-VG-2025", Decimal("96000.00")),),
        start_date=D(2025, 4, 1),
        end_date=D(2026, 3, 31),
        award_date=D(2025, 3, 27),
        direct_award_justification="The MoJ allocation funds the support Mendip and Avon "
        "already provides.",
        procurement_route_justification=MOJ_PROCUREMENT,
        conditions=MOJ_CONDITIONS,
        decision="moj",
        officer="officer",
    ),
]

PCG_PURPOSE = (
    "The Community Safety Partnership's crime and disorder reduction priorities for the "
    "year, agreed with the office against the Police and Crime Plan."
)
PCG_CONDITIONS = (
    "Spend on the partnership's agreed plan; quarterly financial and outcome returns; "
    "underspends returned to the PCC at the end of the financial year."
)


# --- Loading ---------------------------------------------------------------------------


def accounts_date(today: datetime.date) -> datetime.date:
    """The year end of the latest accounts a recipient would have filed by ``today``."""
    year_end = D(today.year, 3, 31)
    return year_end if add_months(year_end, 6) <= today else D(today.year - 1, 3, 31)


def payment_day(due: datetime.date) -> datetime.date:
    """The BACS run that pays a payment: the due date, or the Monday after a weekend."""
    while due.weekday() >= 5:
        due += datetime.timedelta(days=1)
    return due


class Loader:
    def __init__(self, log: Log) -> None:
        self.log = log
        self.tally = Tally()
        self.today = timezone.localdate()
        self.users = {key: User.objects.get(email__iexact=email) for key, email in USERS.items()}
        self._decisions: dict[str, DecisionAssessment] = {}
        self._orgs: dict[str, Organisation] = {}
        self._streams: dict[str, FundingStream] = {}
        self._workstreams: dict[str, Workstream] = {}
        self._programmes: dict[str, Programme] = {}
        self.areas: dict[str, Area] = {}

    # Lookups of what the earlier loaders made.

    def org(self, identifier: str) -> Organisation:
        if identifier not in self._orgs:
            self._orgs[identifier] = Organisation.objects.get(identifier=identifier)
        return self._orgs[identifier]

    def stream(self, reference: str) -> FundingStream:
        if reference not in self._streams:
            self._streams[reference] = FundingStream.objects.get(reference=reference)
        return self._streams[reference]

    def workstream(self, title: str) -> Workstream:
        if title not in self._workstreams:
            self._workstreams[title] = Workstream.objects.get(title=title)
        return self._workstreams[title]

    def programme(self, code: str) -> Programme:
        if code not in self._programmes:
            self._programmes[code] = Programme.objects.get(code=code)
        return self._programmes[code]

    # Areas.

    def load_areas(self) -> None:
        for spec in AREAS:
            area = Area.objects.filter(name=spec.name).first()
            self.tally.add("areas", area is None)
            if area is None:
                council = self.org(spec.council)
                area = Area(
                    name=spec.name,
                    geo_code=spec.geo_code,
                    local_authority=council,
                    allocation_recipient=council,
                    population=spec.population,
                    population_year=POPULATION_YEAR,
                    population_source=POPULATION_SOURCE,
                    recorded_crime=spec.recorded_crime,
                    crime_year=CRIME_YEAR,
                    crime_source=CRIME_SOURCE,
                )
                area.full_clean()
                area._history_user = None
                area.save()  # reference data: administrators edit it in the admin
            self.areas[spec.name] = area

    # Decisions, made only when a grant that needs one is made.

    def decision(self, key: str) -> DecisionAssessment:
        if key in self._decisions:
            return self._decisions[key]
        spec = DECISIONS[key]
        approved = DecisionAssessment.objects.filter(
            decision_type=DecisionType.FUNDING_AWARD, status=AssessmentStatus.APPROVED
        )
        found = None
        if spec.existing_title:
            found = approved.filter(title=spec.existing_title).first()
        found = found or DecisionAssessment.objects.filter(title=spec.title).first()
        self.tally.add("decisions", found is None)
        self._decisions[key] = found or self.make_decision(spec)
        return self._decisions[key]

    def make_decision(self, spec: DemoDecision) -> DecisionAssessment:
        author, manager = self.users[spec.author], self.users["manager"]
        assessment = decision_services.assessment_create(
            by=author,
            decision_type=DecisionType.FUNDING_AWARD,
            title=spec.title,
            workstream=self.workstream(spec.workstream),
            amount=spec.amount,
        )
        decision_services.assessment_update(
            assessment=assessment,
            by=author,
            answers={
                number: {"rating": Rating.MET, "narrative": narrative}
                for number, narrative in enumerate(spec.answers, start=1)
            },
            recommendation=Recommendation.PROCEED,
            summary=spec.summary,
        )
        decision_services.assessment_submit(assessment=assessment, by=author)
        return decision_services.assessment_decide(
            assessment=assessment,
            by=manager,
            outcome=AssessmentStatus.APPROVED,
            reason=spec.reason,
        )

    # A grant's life.

    def due_diligence(self, fraud_risk: str = FraudRisk.LOW) -> dict:
        return {
            **DUE_DILIGENCE,
            "dd_accounts_date": accounts_date(self.today),
            "dd_fraud_risk": fraud_risk,
        }

    def play(
        self,
        grant: Grant,
        *,
        award_date: datetime.date,
        close: bool = False,
        withdrawn_reason: str = "",
        hold_latest: bool = False,
        underspend: tuple | None = None,
    ) -> None:
        """Schedule, award and pay a new draft as far as today allows, then close or
        withdraw it as its story says."""
        officer = grant.responsible_officer
        services.schedule_generate(grant=grant, by=officer)
        if award_date > self.today:
            return
        grant = services.grant_award(grant=grant, by=officer, award_date=award_date)
        if withdrawn_reason:
            services.grant_withdraw(grant=grant, by=officer, reason=withdrawn_reason)
            return
        if grant.start_date <= self.today:
            grant = services.grant_activate(grant=grant, by=officer)
        payments = list(grant.payments.order_by("due_date", "charge_id"))
        runs = sorted(
            day for day in {payment_day(p.due_date) for p in payments} if day <= self.today
        )
        if hold_latest and runs:
            runs = runs[:-1]  # held back: shows as overdue
        for payment in payments:
            day = payment_day(payment.due_date)
            if day in runs:
                services.payment_mark_paid(
                    payment=payment,
                    by=officer,
                    paid_date=day,
                    payment_reference=f"BACS-{day:%Y}-{day:%m%d}",
                )
        all_paid = not grant.payments.filter(status=PaymentStatus.SCHEDULED).exists()
        if close and grant.end_date < self.today and all_paid:
            if underspend:
                amount, recorded_on, note = underspend
                services.underspend_record(
                    grant=grant,
                    charge=grant.charges.get(),
                    by=officer,
                    amount=amount,
                    recorded_on=recorded_on,
                    note=note,
                )
            services.grant_close(grant=grant, by=officer)

    # Police and Crime Grants, through local allocations.

    def load_allocation(self, spec: Allocation) -> None:
        allocation = LocalAllocation.objects.filter(title=spec.title).first()
        self.tally.add("allocations", allocation is None)
        if allocation is not None:
            return
        officer = self.users["officer2"]
        year = FinancialYear(spec.year)
        allocation = services.allocation_create(
            by=officer,
            title=spec.title,
            total=spec.total,
            areas=list(self.areas.values()),
            population_weight=Decimal("50"),
            crime_weight=Decimal("50"),
            funding_stream=self.stream(f"OPCC-CB-{spec.year}"),
            programme=self.programme("police-and-crime-grant"),
            workstream=self.workstream(W.POLICE_AND_CRIME_GRANT),
        )
        grants = services.allocation_create_grants(
            allocation=allocation,
            by=officer,
            purpose=PCG_PURPOSE,
            start_date=year.start,
            end_date=year.end,
            award_route=AwardRoute.DIRECT,
            direct_award_justification=CSP_JUSTIFICATION,
            conditions=PCG_CONDITIONS,
            responsible_officer=officer,
            monitoring_frequency=QUARTERLY,
            payment_timing=ADVANCE,
            instalments=spec.instalments,
            approving_decision=self.decision(spec.decision),
            **self.due_diligence(),
        )
        for grant in grants:
            self.tally.add("grants", True)
            if grant.annual_value > settings.PROCUREMENT_SERVICE_THRESHOLD:
                grant = services.grant_update(
                    grant=grant, by=officer, procurement_route_justification=CSP_PROCUREMENT
                )
            area = grant.beneficiary_area.name
            self.play(
                grant,
                award_date=spec.award_date,
                close=spec.close,
                hold_latest=area == spec.hold_latest,
                underspend=spec.underspends.get(area),
            )

    # Other grants.

    def load_grant(self, spec: DemoGrant) -> None:
        grant = Grant.objects.filter(title=spec.title).first()
        self.tally.add("grants", grant is None)
        if grant is None:
            needs_decision = spec.amount > settings.DECISION_THRESHOLD
            grant = services.grant_create(
                by=self.users[spec.officer],
                charges=[(self.stream(ref), amount) for ref, amount in spec.charges],
                title=spec.title,
                purpose=spec.purpose,
                workstream=self.workstream(spec.workstream),
                recipient=self.org(spec.recipient),
                programme=self.programme(spec.programme),
                amount=spec.amount,
                start_date=spec.start_date,
                end_date=spec.end_date,
                beneficiary_area=self.areas[spec.area] if spec.area else None,
                award_route=spec.award_route,
                direct_award_justification=spec.direct_award_justification,
                procurement_route_justification=spec.procurement_route_justification,
                conditions=spec.conditions,
                responsible_officer=self.users[spec.officer],
                monitoring_frequency=spec.monitoring_frequency,
                payment_timing=spec.payment_timing,
                instalments=spec.instalments,
                approving_decision=self.decision(spec.decision) if needs_decision else None,
                **self.due_diligence(spec.fraud_risk),
            )
            self.play(
                grant,
                award_date=spec.award_date,
                close=spec.close,
                withdrawn_reason=spec.withdrawn_reason,
            )
        for onward in spec.onward:
            self.load_onward(grant, onward)

    def load_onward(self, parent: Grant, spec: Onward) -> None:
        exists = OnwardGrant.objects.filter(
            parent=parent, recipient_name=spec.recipient_name
        ).exists()
        self.tally.add("onward grants", not exists)
        if exists:
            return
        services.onward_grant_add(
            parent=parent,
            by=parent.responsible_officer,
            recipient_name=spec.recipient_name,
            amount=spec.amount,
            purpose=spec.purpose,
            area=self.areas[spec.area],
            award_date=spec.award_date,
        )

    def run(self) -> None:
        last_notification = (
            Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
        )
        self.load_areas()
        for allocation in ALLOCATIONS:
            self.load_allocation(allocation)
        for spec in GRANTS:
            self.load_grant(spec)
        # The demo decisions' notifications are history: shown in the portal, never emailed.
        Notification.objects.filter(
            pk__gt=last_notification or 0, emailed_at__isnull=True, email_wanted=True
        ).update(email_wanted=False)
        self.log(self.tally.summary())


def load_grants(log: Log) -> None:
    """The five areas, and the strategy's facilitating grants with their schedules,
    payments, onward grants, one withdrawal and one underspend returned."""
    Loader(log).run()


def register() -> None:
    register_demo_loader("grants", 40, load_grants)
