"""Demo workstreams: every workstream the commissioning strategy names, under its role,
with partners, a cycle stage that looks real, the forward plan's milestones and a few
service-user voice entries.

Registered with ``commissioning.demo`` at order 20, after the core's organisations and
users. Idempotent like every loader: each record is looked up by its natural key
(workstream title; partner workstream, organisation and part; milestone workstream,
kind, date and title; voice entry workstream and title) and created only when missing.
The two contract ends dated relative to today (so that the dashboard's re-commissioning
warnings always have something to show) are looked up without their date. A
workstream's checklist and stage progression runs only when the workstream is new, so a
second run writes nothing.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils import timezone

from commissioning.dates import add_months
from commissioning.demo import Log, Tally, register_demo_loader
from commissioning.models import Organisation, User

from . import services
from .models import (
    ChecklistStatus,
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

R = CommissioningRole
P = PartnerPart
S = Stage

#: The demo users who lead and manage workstreams (created by the core's loader).
USERS = {
    "officer": "officer@example.org",
    "officer2": "officer2@example.org",
    "manager": "manager@example.org",
}

#: Organisations the core's loader creates: org-id identifier where they have one (names
#: are not unique), otherwise the exact name.
CONSTABULARY = "Avon and Somerset Constabulary"
SWPPS = "South West Police Procurement Service"
NHS_ENGLAND = "GB-NHS-X24"
MOJ = "GB-GOR-D18"
HOME_OFFICE = "GB-GOR-D16"
QUARTET_CF = "GB-CHC-1080418"
SOMERSET_CF = "GB-COH-04530979"
YOUTH_ENDOWMENT_FUND = "GB-CHC-1185413"
BRISTOL = "GB-LAE-BST"
BATH_NES = "GB-LAE-BAS"
NORTH_SOMERSET = "GB-LAE-NSM"
SOUTH_GLOS = "GB-LAE-SGC"
SOMERSET = "GB-LAE-SOM"
LOCAL_AUTHORITIES = (BRISTOL, BATH_NES, NORTH_SOMERSET, SOUTH_GLOS, SOMERSET)
CSPS = tuple(
    f"{area} Community Safety Partnership"
    for area in (
        "Bristol",
        "Bath and North East Somerset",
        "North Somerset",
        "South Gloucestershire",
        "Somerset",
    )
)
ICB_BNSSG = "GB-NHS-QUY"
ICB_BSW = "GB-NHS-QOX"
ICB_SOMERSET = "GB-NHS-QSL"
VICTIM_SUPPORT = "GB-CHC-1190417"  # Severn Vale Victim Support
SV_SUPPORT = "GB-CHC-1102836"  # Mendip and Avon Sexual Violence Support
RESTORATIVE_JUSTICE = "GB-CHC-1167254"  # West Country Restorative Justice
APPROPRIATE_ADULTS = "GB-COH-11428375"  # Appropriate Adults South West
YOUNG_VOICES = "GB-CHC-1158890"  # Young Voices Avon and Somerset
SAFE_HARBOUR = "GB-CHC-1073391"  # Safe Harbour Domestic Abuse Service
FREEDOM_PATHWAYS = "GB-CHC-1181642"


@dataclass(frozen=True)
class Partner:
    organisation: str  # identifier or name, as above
    part: str
    note: str = ""


@dataclass(frozen=True)
class DemoWorkstream:
    title: str
    role: str
    portfolio: str
    lead: str  # a key of USERS
    description: str
    stage: str = S.UNDERSTAND
    status: str = WorkstreamStatus.ACTIVE
    lead_commissioner: str = ""
    partners: tuple[Partner, ...] = ()
    #: Checklist notes by item title.
    notes: Mapping[str, str] = field(default_factory=dict)
    #: Items marked not applicable (with their note) rather than done.
    not_applicable: frozenset[str] = frozenset()
    #: Items of earlier stages left to do: a manager moved the workstream on anyway.
    left_to_do: frozenset[str] = frozenset()
    override_reason: str = ""
    #: How many items of the current stage are already done (besides those not applicable).
    started: int = 0


# --- The strategy's workstreams ----------------------------------------------------------

VRU_FUNDING = "Violence Reduction Unit (VRU) funding"
POLICE_AND_CRIME_GRANT = "Police and Crime Grant"
MOJ_LOCAL_ALLOCATIONS = "MoJ local allocations (IDVA and DA/SV)"
SMALL_GRANTS = "Small grants fund"
LIGHTHOUSE = "Lighthouse Safeguarding Unit"
YEF_BIDS = "Youth Endowment Fund bids"
SAFER_STREETS = "Safer Streets Fund"
DA_PERPETRATOR = "Domestic Abuse Perpetrator Service"

ADULTS = "Victim services — Adults Service"
ENHANCED_ADULTS = "Victim services — Enhanced Adults Service"
CYP = "Victim services — Children and Young People Service"
RJ = "Victim services — Restorative Justice Service"
ISVA = "Victim services — Independent Sexual Violence Advisor Service"
MODERN_SLAVERY = "Victim services — Modern Slavery grant"
APPROPRIATE_ADULTS_SERVICE = "Appropriate Adults Service"

CSE_CCE = "Child sexual and criminal exploitation (CSE/CCE) service"
SV_THERAPIES = "Sexual Violence Therapies"
SARC = "Sexual Assault Referral Centre (SARC)"
ASCC = "Advice and Support at Custody and Court (ASCC)"
MENTAL_HEALTH_TRIAGE = "Mental health triage"

DRUGS_AND_ALCOHOL = "Drug and alcohol services (Combating Drugs Partnerships)"
LA_DOMESTIC_ABUSE = "Local authority domestic abuse commissioning"
PROBATION_CTRS = "Probation community treatment requirements"
DATA_ACCELERATOR = "Data Accelerator Programme"
NATIONAL_FUNDS = "National funds (MoJ Rape Support Fund, VAWG Fund)"
ACTION_FRAUD = "Action Fraud recommissioning"
LEGISLATIVE_INFLUENCE = "Legislative influence"

#: The titles under each role, as the strategy lists them.
TITLES_BY_ROLE = {
    R.FACILITATING: [
        VRU_FUNDING,
        POLICE_AND_CRIME_GRANT,
        MOJ_LOCAL_ALLOCATIONS,
        SMALL_GRANTS,
        LIGHTHOUSE,
        YEF_BIDS,
        SAFER_STREETS,
        DA_PERPETRATOR,
    ],
    R.LEAD: [ADULTS, ENHANCED_ADULTS, CYP, RJ, ISVA, MODERN_SLAVERY, APPROPRIATE_ADULTS_SERVICE],
    R.CO_COMMISSIONER: [CSE_CCE, SV_THERAPIES, SARC, ASCC, MENTAL_HEALTH_TRIAGE],
    R.INFLUENCING: [
        DRUGS_AND_ALCOHOL,
        LA_DOMESTIC_ABUSE,
        PROBATION_CTRS,
        DATA_ACCELERATOR,
        NATIONAL_FUNDS,
        ACTION_FRAUD,
        LEGISLATIVE_INFLUENCE,
    ],
}

#: The five victim services contracts re-let from 1 April 2025, and their providers.
VICTIM_CONTRACTS = {
    ADULTS: ("Adults Service", VICTIM_SUPPORT),
    ENHANCED_ADULTS: ("Enhanced Adults Service", VICTIM_SUPPORT),
    CYP: ("Children and Young People Service", YOUNG_VOICES),
    RJ: ("Restorative Justice Service", RESTORATIVE_JUSTICE),
    ISVA: ("Independent Sexual Violence Advisor Service", SV_SUPPORT),
}

VICTIM_SERVICES_NOTES = {
    "Publish a needs assessment": "Victim services needs assessment published in 2023, "
    "with a review of the previous services' data and of best practice.",
    "Map and engage stakeholders, including the market": "Two market engagement events "
    "with providers before the tender, as the Light Touch Regime expects.",
    "Consult stakeholders on intentions and seek service-user input": "Consulted on the "
    "Victim Services Commissioning Plan and Intentions; the 2023 victims' survey fed in.",
    "Complete an Equality Impact Assessment": "Signed off before the plan was published.",
    "Publish the commissioning plan": "Victim Services Commissioning Plan and Intentions "
    "published on the office's website.",
    "Run the procurement with South West Police Procurement, including moderation": "Tender "
    "run by South West Police Procurement Service; moderation completed in the autumn.",
    "Award the contract": "Awarded for 1 April 2025 to 31 March 2028.",
    "Go live": "Live from 1 April 2025.",
    "Hold contract meetings": "Quarterly in the first year of delivery, six-monthly after.",
}


def _victim_service(title: str, lead: str, description: str) -> DemoWorkstream:
    name, provider = VICTIM_CONTRACTS[title]
    return DemoWorkstream(
        title=title,
        role=R.LEAD,
        portfolio="Victim services",
        lead=lead,
        description=description,
        stage=S.REVIEW,
        partners=(
            Partner(SWPPS, P.DELIVERY_PARTNER, "Ran the procurement, moderation and award."),
            Partner(provider, P.DELIVERY_PARTNER, f"Delivers the {name} from 1 April 2025."),
            Partner(MOJ, P.FUNDER, "Victims grant (formula)."),
        ),
        notes=VICTIM_SERVICES_NOTES,
        started=1,
    )


WORKSTREAMS = [
    # Facilitating commissioner.
    DemoWorkstream(
        title=VRU_FUNDING,
        role=R.FACILITATING,
        portfolio="Serious violence and the VRU",
        lead="officer2",
        description="Home Office funding for the Violence Reduction Unit. The office works "
        "with the VRU spokes in each local authority to meet the Home Office's "
        "requirements: fewer hospital admissions for assaults with a knife or sharp "
        "object, less knife-enabled serious violence and fewer homicides, especially "
        "among people under 25.",
        stage=S.REVIEW,
        partners=(
            Partner(HOME_OFFICE, P.FUNDER, "Violence Reduction Unit grant."),
            *(Partner(la, P.DELIVERY_PARTNER, "Hosts a VRU spoke.") for la in LOCAL_AUTHORITIES),
            Partner(CONSTABULARY, P.BOARD_MEMBER),
        ),
        started=1,
    ),
    DemoWorkstream(
        title=POLICE_AND_CRIME_GRANT,
        role=R.FACILITATING,
        portfolio="Prevention",
        lead="officer2",
        description="The office's grant to the five Community Safety Partnerships for local "
        "work to reduce crime and disorder. The office sets the requirements; each "
        "partnership decides how to use its share.",
        stage=S.REVIEW,
        partners=tuple(
            Partner(csp, P.DELIVERY_PARTNER, "Receives a Police and Crime Grant.") for csp in CSPS
        ),
    ),
    DemoWorkstream(
        title=MOJ_LOCAL_ALLOCATIONS,
        role=R.FACILITATING,
        portfolio="Victim services",
        lead="officer",
        description="Ministry of Justice allocations for Independent Domestic Violence "
        "Advisors (IDVAs) and domestic abuse and sexual violence services. The office "
        "completes the Ministry's expression of interest or needs assessment template "
        "for the government to assess.",
        stage=S.REVIEW,
        partners=(
            Partner(MOJ, P.FUNDER, "Victims grant (general)."),
            Partner(SAFE_HARBOUR, P.DELIVERY_PARTNER, "IDVA posts."),
            Partner(SV_SUPPORT, P.DELIVERY_PARTNER, "Sexual violence support."),
        ),
        started=1,
    ),
    DemoWorkstream(
        title=SMALL_GRANTS,
        role=R.FACILITATING,
        portfolio="Prevention",
        lead="officer2",
        description="Small grants for preventative work in local communities, administered "
        "and awarded on the office's behalf by the two Community Foundations.",
        stage=S.DO,
        partners=(
            Partner(
                QUARTET_CF,
                P.DELIVERY_PARTNER,
                "Bristol, Bath and North East Somerset, North Somerset and South Gloucestershire.",
            ),
            Partner(SOMERSET_CF, P.DELIVERY_PARTNER, "Somerset."),
        ),
    ),
    DemoWorkstream(
        title=LIGHTHOUSE,
        role=R.FACILITATING,
        portfolio="Victim services",
        lead="manager",
        description="The Lighthouse Safeguarding Unit supports victims and witnesses from "
        "reporting a crime through to the end of the court process. The Constabulary runs "
        "it; the office contributes funding alongside the Constabulary.",
        stage=S.REVIEW,
        partners=(Partner(CONSTABULARY, P.FUNDER, "Runs the unit and funds it with the office."),),
    ),
    DemoWorkstream(
        title=YEF_BIDS,
        role=R.FACILITATING,
        portfolio="Serious violence and the VRU",
        lead="officer2",
        description="Bids to the Youth Endowment Fund, and other national funds, where the "
        "office decides to take the lead or bidding role.",
        status=WorkstreamStatus.PROPOSED,
        partners=(Partner(YOUTH_ENDOWMENT_FUND, P.FUNDER),),
    ),
    DemoWorkstream(
        title=SAFER_STREETS,
        role=R.FACILITATING,
        portfolio="Prevention",
        lead="officer2",
        description="Home Office fund to make public places safer. Local authorities develop "
        "the bids and the Police and Crime Commissioner is required to prioritise them.",
        stage=S.PLAN,
        partners=(
            Partner(HOME_OFFICE, P.FUNDER),
            Partner(BRISTOL, P.DELIVERY_PARTNER, "Developing a bid."),
            Partner(SOMERSET, P.DELIVERY_PARTNER, "Developing a bid."),
        ),
    ),
    DemoWorkstream(
        title=DA_PERPETRATOR,
        role=R.FACILITATING,
        portfolio="Prevention",
        lead="officer2",
        description="A service that works with perpetrators of domestic abuse to change "
        "their behaviour, so that victims and their children are safer.",
        stage=S.DO,
        partners=(
            Partner(HOME_OFFICE, P.FUNDER),
            Partner(SAFE_HARBOUR, P.DELIVERY_PARTNER, "Runs the perpetrator programme."),
        ),
    ),
    # Lead commissioner.
    _victim_service(
        ADULTS,
        "officer",
        "Emotional and practical support to help adult victims of crime cope and, as far "
        "as possible, recover. Paid for with the Ministry of Justice victims grant and "
        "re-let from 1 April 2025.",
    ),
    _victim_service(
        ENHANCED_ADULTS,
        "officer",
        "Longer and more intensive support for adult victims with complex needs or at "
        "high risk of harm. Re-let from 1 April 2025.",
    ),
    _victim_service(
        CYP,
        "manager",
        "Support for children and young people who are victims of crime, and for their "
        "families. Re-let from 1 April 2025.",
    ),
    _victim_service(
        RJ,
        "officer2",
        "Brings victims and offenders into communication, when the victim wants it, so "
        "that the victim can be heard and the harm repaired. Re-let from 1 April 2025.",
    ),
    _victim_service(
        ISVA,
        "officer",
        "Independent Sexual Violence Advisors support victims of rape and sexual violence, "
        "including through the criminal justice process. Re-let from 1 April 2025.",
    ),
    DemoWorkstream(
        title=MODERN_SLAVERY,
        role=R.LEAD,
        portfolio="Victim services",
        lead="officer",
        description="A grant for support to survivors of modern slavery and human "
        "trafficking, part of the office's victim services commissioning.",
        stage=S.DO,
        partners=(Partner(FREEDOM_PATHWAYS, P.DELIVERY_PARTNER, "Grant recipient."),),
        notes={
            "Publish a needs assessment": "Covered by the 2023 victim services needs assessment.",
            "Run the procurement with South West Police Procurement, including "
            "moderation": "A grant, not a contract: no competitive procurement.",
            "Award the contract": "Grant agreement signed with Freedom Pathways.",
        },
        not_applicable=frozenset(
            {"Run the procurement with South West Police Procurement, including moderation"}
        ),
        started=1,
    ),
    DemoWorkstream(
        title=APPROPRIATE_ADULTS_SERVICE,
        role=R.LEAD,
        portfolio="Criminal justice",
        lead="officer2",
        description="Appropriate Adults for vulnerable adults detained or interviewed in "
        "police custody. Provided under the Home Office partnership agreement, which asks "
        "the office and the local authorities to oversee it together.",
        stage=S.PLAN,
        partners=(
            Partner(APPROPRIATE_ADULTS, P.DELIVERY_PARTNER, "Current provider."),
            Partner(SWPPS, P.DELIVERY_PARTNER, "Will run the procurement."),
            Partner(BRISTOL, P.CO_COMMISSIONER, "Partnership agreement."),
            Partner(CONSTABULARY, P.BOARD_MEMBER, "Custody."),
        ),
        notes={
            "Map and engage stakeholders, including the market": "Custody leads and local "
            "authority partners met; one provider engagement session held.",
        },
        left_to_do=frozenset({"Publish a needs assessment"}),
        override_reason="The contract ends soon and the procurement must start in time. Last "
        "year's service data and the Home Office partnership agreement are enough to "
        "plan; the needs assessment will be published alongside the commissioning plan.",
    ),
    # Co-commissioner: another body leads.
    DemoWorkstream(
        title=CSE_CCE,
        role=R.CO_COMMISSIONER,
        portfolio="Exploitation",
        lead="officer2",
        description="Support for children and young people at risk of, or harmed by, child "
        "sexual exploitation and child criminal exploitation. Somerset Council leads; the "
        "office co-commissions and took part in the review of the five local approaches.",
        stage=S.PLAN,
        lead_commissioner=SOMERSET,
        partners=(
            Partner(BRISTOL, P.CO_COMMISSIONER),
            Partner(YOUNG_VOICES, P.DELIVERY_PARTNER, "Current provider."),
        ),
    ),
    DemoWorkstream(
        title=SV_THERAPIES,
        role=R.CO_COMMISSIONER,
        portfolio="Health and mental health",
        lead="officer",
        description="Therapy for people who have experienced sexual violence. NHS England "
        "leads the commissioning; the office takes part throughout.",
        stage=S.REVIEW,
        lead_commissioner=NHS_ENGLAND,
        partners=(Partner(ICB_BNSSG, P.CO_COMMISSIONER),),
    ),
    DemoWorkstream(
        title=SARC,
        role=R.CO_COMMISSIONER,
        portfolio="Health and mental health",
        lead="officer",
        description="The Sexual Assault Referral Centre offers forensic examination, medical "
        "care and support after a sexual assault, whether or not it is reported to the "
        "police. NHS England leads; the office and the Constabulary co-commission.",
        stage=S.REVIEW,
        lead_commissioner=NHS_ENGLAND,
        partners=(Partner(CONSTABULARY, P.FUNDER, "Forensic medical examinations."),),
        started=1,
    ),
    DemoWorkstream(
        title=ASCC,
        role=R.CO_COMMISSIONER,
        portfolio="Criminal justice",
        lead="manager",
        description="Advice and support for people in police custody and at court, so that "
        "needs such as drug or alcohol use and mental health are picked up early and "
        "people are referred to help. Bristol City Council leads.",
        stage=S.REVIEW,
        lead_commissioner=BRISTOL,
        partners=(
            Partner(SOUTH_GLOS, P.CO_COMMISSIONER),
            Partner(NORTH_SOMERSET, P.CO_COMMISSIONER),
        ),
    ),
    DemoWorkstream(
        title=MENTAL_HEALTH_TRIAGE,
        role=R.CO_COMMISSIONER,
        portfolio="Health and mental health",
        lead="manager",
        description="Emergency Services Mental Health Triage: mental health professionals "
        "advise police officers and other emergency services helping people in a mental "
        "health crisis. An integrated care board leads; the office contributes from its "
        "commissioning budget.",
        lead_commissioner=ICB_BNSSG,
        partners=(
            Partner(ICB_BSW, P.CO_COMMISSIONER),
            Partner(ICB_SOMERSET, P.CO_COMMISSIONER),
            Partner(CONSTABULARY, P.DELIVERY_PARTNER, "Officers use the triage line."),
        ),
        started=1,
    ),
    # Influencing commissioner.
    DemoWorkstream(
        title=DRUGS_AND_ALCOHOL,
        role=R.INFLUENCING,
        portfolio="Drugs and alcohol",
        lead="manager",
        description="Drug and alcohol treatment and recovery services, which the local "
        "authorities commission. The office seeks influence through the Combating Drugs "
        "Partnerships.",
        stage=S.DO,
        partners=(
            Partner(BRISTOL, P.LEAD_COMMISSIONER, "Chairs a Combating Drugs Partnership."),
            Partner(SOMERSET, P.LEAD_COMMISSIONER, "Chairs a Combating Drugs Partnership."),
            Partner(CONSTABULARY, P.BOARD_MEMBER),
        ),
    ),
    DemoWorkstream(
        title=LA_DOMESTIC_ABUSE,
        role=R.INFLUENCING,
        portfolio="Victim services",
        lead="officer",
        description="The local authorities lead the local commissioning of specialist "
        "domestic abuse services. The office may give feedback on their commissioning "
        "plans or support tender evaluation, so that nothing is duplicated.",
        stage=S.DO,
        partners=tuple(Partner(la, P.LEAD_COMMISSIONER) for la in LOCAL_AUTHORITIES),
    ),
    DemoWorkstream(
        title=PROBATION_CTRS,
        role=R.INFLUENCING,
        portfolio="Criminal justice",
        lead="manager",
        description="Community Treatment Requirements: sentences with mental health, drug "
        "or alcohol treatment, delivered with the Probation Service. The office seeks to "
        "influence how often they are used and the services behind them.",
        stage=S.PLAN,
        partners=(Partner(NHS_ENGLAND, P.LEAD_COMMISSIONER, "Health and Justice."),),
    ),
    DemoWorkstream(
        title=DATA_ACCELERATOR,
        role=R.INFLUENCING,
        portfolio="Criminal justice",
        lead="manager",
        description="The Data Accelerator Programme: the office seeks to influence how "
        "partners share and use data to improve outcomes.",
        status=WorkstreamStatus.PROPOSED,
        partners=(Partner(CONSTABULARY, P.BOARD_MEMBER),),
    ),
    DemoWorkstream(
        title=NATIONAL_FUNDS,
        role=R.INFLUENCING,
        portfolio="Victim services",
        lead="officer",
        description="National funds such as the Ministry of Justice Rape Support Fund and "
        "the VAWG Fund. Where the office is not able or best placed to bid, it supports "
        "local providers to apply, drafts supporting statements and gives feedback to "
        "government.",
        stage=S.DO,
        partners=(Partner(MOJ, P.FUNDER, "Rape Support Fund."), Partner(HOME_OFFICE, P.FUNDER)),
    ),
    DemoWorkstream(
        title=ACTION_FRAUD,
        role=R.INFLUENCING,
        portfolio="Fraud",
        lead="manager",
        description="The national recommissioning of the Action Fraud service. The Police "
        "and Crime Commissioner sits on the Fraud and Cyber Crime Reporting and Analysis "
        "System Programme Board.",
        stage=S.DO,
    ),
    DemoWorkstream(
        title=LEGISLATIVE_INFLUENCE,
        role=R.INFLUENCING,
        portfolio="Criminal justice",
        lead="manager",
        description="The Commissioner and Deputy Commissioner work with government to "
        "influence legislation and other national changes, such as the Victims Bill.",
        started=1,
    ),
]


# --- The forward plan --------------------------------------------------------------------

K = MilestoneKind
D = datetime.date

#: (workstream title or None for office-wide, kind, date, title, note).
MILESTONES = [
    (CSE_CCE, K.REVIEW, D(2024, 3, 31), "Review of five local exploitation approaches", ""),
    (None, K.ELECTION, D(2024, 5, 2), "PCC election", ""),
    (ASCC, K.CONTRACT_END, D(2025, 3, 31), "ASCC contract ends", ""),
    *(
        (title, K.CONTRACT_END, D(2025, 3, 31), f"{name} contract ends", "")
        for title, (name, _provider) in VICTIM_CONTRACTS.items()
    ),
    (POLICE_AND_CRIME_GRANT, K.FUNDING_END, D(2025, 3, 31), "Police and Crime Grants end", ""),
    (
        VRU_FUNDING,
        K.FUNDING_END,
        D(2025, 3, 31),
        "Violence Reduction Unit funding settlement to the office ends",
        "",
    ),
    (
        MOJ_LOCAL_ALLOCATIONS,
        K.FUNDING_END,
        D(2025, 3, 31),
        "MoJ victims grants to the office end",
        "Formula and general grants.",
    ),
    (
        SMALL_GRANTS,
        K.AGREEMENT_END,
        D(2025, 3, 31),
        "Agreement with the Community Foundations for the small grants scheme ends",
        "",
    ),
    (ASCC, K.NEW_CONTRACT_DUE, D(2025, 4, 1), "New ASCC contract due", ""),
    (MOJ_LOCAL_ALLOCATIONS, K.NEW_FUNDING_DUE, D(2025, 4, 1), "New MoJ grant due", ""),
    *(
        (title, K.NEW_CONTRACT_DUE, D(2025, 4, 1), f"New {name} contract due", "")
        for title, (name, _provider) in VICTIM_CONTRACTS.items()
    ),
    # The re-let victim services contracts end; nothing re-commissions them yet.
    *(
        (
            title,
            K.CONTRACT_END,
            D(2028, 3, 31),
            f"{name} contract ends",
            "The contract let from 1 April 2025.",
        )
        for title, (name, _provider) in VICTIM_CONTRACTS.items()
    ),
    (None, K.ELECTION, D(2028, 5, 4), "PCC election", ""),
    (SV_THERAPIES, K.CONTRACT_END, D(2029, 3, 31), "SV therapies contract ends", ""),
    (SV_THERAPIES, K.NEW_CONTRACT_DUE, D(2029, 4, 1), "New SV therapies contract due", ""),
    (SARC, K.CONTRACT_END, D(2029, 9, 30), "SARC contract ends", ""),
    (SARC, K.NEW_CONTRACT_DUE, D(2029, 10, 1), "New SARC contract due", ""),
]


def _end_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def relative_milestones(today: datetime.date) -> list[tuple]:
    """Contract ends a few months from ``today`` with nothing re-commissioning them yet,
    so the dashboard's warnings have something to show (at 6 and 12 months)."""
    return [
        (
            APPROPRIATE_ADULTS_SERVICE,
            K.CONTRACT_END,
            _end_of_month(add_months(today, 5)),
            "Appropriate Adults contract ends",
            "Extended once already; it cannot be extended again.",
        ),
        (
            MENTAL_HEALTH_TRIAGE,
            K.CONTRACT_END,
            _end_of_month(add_months(today, 10)),
            "Mental health triage contract ends",
            "The integrated care board's agreement with the triage provider.",
        ),
    ]


# --- Service-user voice ------------------------------------------------------------------

#: (workstream title, date, kind, title, participants, what we heard, how it informed).
VOICES = [
    (
        ADULTS,
        D(2023, 9, 30),
        VoiceKind.SURVEY,
        "Victims' survey 2023",
        412,
        "Victims wanted one point of contact, support that starts sooner after they "
        "report, and help keeping up with what is happening in their case.",
        "Informed the re-commissioning of victim services from April 2025: one referral "
        "route, first contact within two working days and a named caseworker.",
    ),
    (
        CYP,
        D(2024, 2, 15),
        VoiceKind.ENGAGEMENT_EVENT,
        "Workshops with young people on the new service",
        23,
        "Young people asked for support in places they already go, by text as well as in "
        "person, from a worker who does not keep changing.",
        "The service specification asks for outreach in schools and youth settings, "
        "contact by text and a named worker.",
    ),
    (
        SARC,
        D(2026, 6, 10),
        VoiceKind.LIVED_EXPERIENCE_PANEL,
        "Lived-experience panel on care after a SARC visit",
        9,
        "Survivors valued the care at the centre but said follow-up support after they "
        "left was patchy.",
        "Raised with NHS England at the commissioning board; care after a visit will be a "
        "theme of the 2029 re-commissioning.",
    ),
]


# --- Loader ------------------------------------------------------------------------------


class _Organisations:
    """Organisations the core's loader made, by identifier or exact name."""

    def __init__(self) -> None:
        self._cache: dict[str, Organisation] = {}

    def __getitem__(self, key: str) -> Organisation:
        if key not in self._cache:
            lookup = {"identifier": key} if key.startswith("GB-") else {"name": key}
            self._cache[key] = Organisation.objects.get(**lookup)
        return self._cache[key]


def _progress(workstream: Workstream, spec: DemoWorkstream, users: dict[str, User]) -> None:
    """Work a new workstream through the cycle to its demo stage, ticking each passed
    stage's items as its lead officer would."""
    officer, manager = users[spec.lead], users["manager"]
    items = list(workstream.checklist_items.order_by("order", "pk"))
    stages = list(Stage)
    target = stages.index(Stage(spec.stage))

    def tick(item) -> None:
        status = (
            ChecklistStatus.NOT_APPLICABLE
            if item.title in spec.not_applicable
            else ChecklistStatus.DONE
        )
        services.checklist_item_update(
            item=item, by=officer, status=status, note=spec.notes.get(item.title, "")
        )

    for stage in stages[:target]:
        left = [item for item in items if item.stage == stage and item.title in spec.left_to_do]
        for item in items:
            if item.stage == stage and item not in left:
                tick(item)
        if left:
            services.workstream_advance_stage(
                workstream=workstream, by=manager, reason=spec.override_reason
            )
        else:
            services.workstream_advance_stage(workstream=workstream, by=officer)

    current = [item for item in items if item.stage == stages[target]]
    not_applicable = [item for item in current if item.title in spec.not_applicable]
    to_do = [item for item in current if item.title not in spec.not_applicable]
    for item in not_applicable + to_do[: spec.started]:
        tick(item)


def _workstream(
    tally: Tally, spec: DemoWorkstream, users: dict[str, User], orgs: _Organisations
) -> Workstream:
    existing = Workstream.objects.filter(title=spec.title).first()
    tally.add("workstreams", existing is None)
    if existing is not None:
        return existing
    workstream = services.workstream_create(
        by=users[spec.lead],
        title=spec.title,
        description=spec.description,
        portfolio=Portfolio.objects.get(name=spec.portfolio),
        lead_officer=users[spec.lead],
        status=spec.status,
        role=spec.role,
        lead_commissioner=orgs[spec.lead_commissioner] if spec.lead_commissioner else None,
    )
    _progress(workstream, spec, users)
    return workstream


def _partner(tally: Tally, workstream: Workstream, organisation: Organisation, partner, by):
    exists = WorkstreamPartner.objects.filter(
        workstream=workstream, organisation=organisation, part=partner.part
    ).exists()
    tally.add("partners", not exists)
    if not exists:
        services.partner_add(
            workstream=workstream,
            by=by,
            organisation=organisation,
            part=partner.part,
            note=partner.note,
        )


def _milestone(tally: Tally, workstream, kind, date, title, note, by, *, any_date=False):
    """``any_date``: a milestone set relative to today is the same one whatever its date,
    so a run next month does not add a second."""
    lookup = Milestone.objects.filter(workstream=workstream, kind=kind, title=title)
    if not any_date:
        lookup = lookup.filter(date=date)
    exists = lookup.exists()
    tally.add("milestones", not exists)
    if not exists:
        services.milestone_create(
            by=by, workstream=workstream, kind=kind, date=date, title=title, note=note
        )


def load_workstreams(log: Log) -> None:
    """The strategy's workstreams under their roles, their partners, the forward plan's
    milestones and a few service-user voice entries."""
    tally = Tally()
    users = {key: User.objects.get(email__iexact=email) for key, email in USERS.items()}
    orgs = _Organisations()

    workstreams: dict[str | None, Workstream | None] = {None: None}
    leads: dict[str | None, User] = {None: users["manager"]}  # office-wide: the manager
    for spec in WORKSTREAMS:
        workstream = _workstream(tally, spec, users, orgs)
        workstreams[spec.title], leads[spec.title] = workstream, users[spec.lead]
        for partner in spec.partners:
            _partner(tally, workstream, orgs[partner.organisation], partner, users[spec.lead])

    for title, kind, date, name, note in MILESTONES:
        _milestone(tally, workstreams[title], kind, date, name, note, leads[title])
    for title, kind, date, name, note in relative_milestones(timezone.localdate()):
        _milestone(tally, workstreams[title], kind, date, name, note, leads[title], any_date=True)

    for title, date, kind, name, participants, summary, influence in VOICES:
        workstream = workstreams[title]
        exists = ServiceUserVoice.objects.filter(workstream=workstream, title=name).exists()
        tally.add("voice entries", not exists)
        if not exists:
            services.voice_record(
                workstream=workstream,
                by=leads[title],
                date=date,
                kind=kind,
                title=name,
                participants=participants,
                summary=summary,
                influence=influence,
            )

    log(tally.summary())


def register() -> None:
    register_demo_loader("workstreams", 20, load_workstreams)
