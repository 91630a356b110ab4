"""Demo decision assessments: the six-question framework applied to the demo workstreams,
in every state of the workflow, including the office saying no on the record.

Registered with ``commissioning.demo`` at order 30, after the workstreams. Every
assessment is made through the services, as an officer and a manager would make it:
created, answered, submitted, then approved, declined or returned by a manager who is
not the author. Two proposals start new workstreams that the decline then closes.

Idempotent like every loader: an assessment is looked up by its title (a superseding
assessment keeps its predecessor's title, so a chain is one lookup) and the whole story
is played only when it is missing, so a second run writes nothing.

The demo's submissions and decisions notify people in the portal, as real ones do, but
nobody is emailed about them: they are the demo's history, not news.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from commissioning.demo import Log, register_demo_loader
from commissioning.models import Notification, User
from workstreams import demo as workstreams_demo
from workstreams.models import CommissioningRole, Portfolio, Workstream

from . import services
from .models import AssessmentStatus, DecisionAssessment, DecisionType, Rating, Recommendation

R = CommissioningRole
T = DecisionType
MET, PARTLY, NOT_MET = Rating.MET, Rating.PARTLY_MET, Rating.NOT_MET
PROCEED, DECLINE = Recommendation.PROCEED, Recommendation.DECLINE
APPROVED = AssessmentStatus.APPROVED
DECLINED = AssessmentStatus.DECLINED
RETURNED = AssessmentStatus.RETURNED

#: The demo users who write and decide assessments (created by the core's loader).
USERS = {
    "officer": "officer@example.org",
    "officer2": "officer2@example.org",
    "manager": "manager@example.org",
    "manager2": "manager2@example.org",
}

#: Proposed workstreams created with their assessment (and declined by it).
LA_DA_OUTREACH = "Community domestic abuse outreach (Bath and North East Somerset)"
REFERRAL_HUB_PILOT = "National victims' referral hub pilot"

# Titles of the assessments, for the tests and for lookups.
SV_THERAPIES_DECISION = "Co-commission Sexual Violence Therapies with NHS England"
APPROPRIATE_ADULTS_DECISION = "Re-commission the Appropriate Adults Service"
LA_DA_DECISION = "Lead the re-commissioning of community domestic abuse outreach in B&NES"
PILOT_DECISION = "Join the national victims' referral hub pilot"
YEF_DECISION = "Bid to the Youth Endowment Fund as lead partner"
DATA_ACCELERATOR_DECISION = "Join the Data Accelerator Programme board"
RJ_EXTENSION_DECISION = "Extend the Restorative Justice Service contract by a year"
PCG_DECISION = "Police and Crime Grant 2025/26 to the Community Safety Partnerships"
CYP_DECISION = "Award the Children and Young People Service contract"
TRIAGE_DECISION = "Contribution to Emergency Services Mental Health Triage 2025/26"


@dataclass(frozen=True)
class NewWorkstream:
    title: str
    description: str
    portfolio: str
    lead: str  # a key of USERS
    role: str


@dataclass(frozen=True)
class Decision:
    by: str  # a key of USERS
    outcome: str
    reason: str


@dataclass(frozen=True)
class Successor:
    """A new assessment that supersedes a decided one, with what changed in it."""

    author: str
    changes: dict = field(default_factory=dict)
    answers: dict[int, tuple[str, str]] = field(default_factory=dict)
    decision: Decision | None = None


@dataclass(frozen=True)
class DemoAssessment:
    title: str
    decision_type: str
    author: str  # a key of USERS
    #: The answers to questions 1-6 as (rating, narrative); a draft may have fewer.
    answers: tuple[tuple[str, str], ...]
    recommendation: str = ""
    summary: str = ""
    recommended_role: str = ""
    justification: str = ""
    workstream: str = ""  # the title of an existing workstream
    new_workstream: NewWorkstream | None = None
    amount: Decimal | None = None
    submit: bool = True
    decision: Decision | None = None
    successor: Successor | None = None


W = workstreams_demo

ASSESSMENTS = [
    # --- Approved: taking part in new work ------------------------------------------------
    DemoAssessment(
        title=SV_THERAPIES_DECISION,
        decision_type=T.NEW_WORKSTREAM,
        author="officer",
        workstream=W.SV_THERAPIES,
        answers=(
            (
                MET,
                "Supporting victims of rape and sexual violence to cope and recover is a "
                "priority of the Police and Crime Plan. Therapy is the part of the pathway "
                "victims tell us is hardest to reach.",
            ),
            (
                MET,
                "NHS England funds most of the service. Our share comes from the Ministry of "
                "Justice victims grant and fits within this year's and next year's headroom.",
            ),
            (
                MET,
                "NHS England leads, as it should: it commissions the Sexual Assault Referral "
                "Centre. We bring our knowledge of the ISVA service and the criminal justice "
                "process, which improves referrals between the two.",
            ),
            (
                PARTLY,
                "Olivia can sit on the board and the evaluation panel. The victim services "
                "re-commissioning takes most of the team's time until April, so we will not "
                "take on any of the procurement work.",
            ),
            (
                MET,
                "Low risk: NHS England carries the contract. The risk of doing nothing is a "
                "therapy service designed without the police and criminal justice view.",
            ),
            (
                MET,
                "High impact for a modest share of the cost and a few days a quarter of time.",
            ),
        ),
        recommendation=PROCEED,
        recommended_role=R.CO_COMMISSIONER,
        summary="Co-commission with NHS England: contribute from the victims grant and sit "
        "on the board and the evaluation panel; NHS England runs the procurement.",
        decision=Decision(
            "manager2",
            APPROVED,
            "Agreed. A clear co-commissioning role that fits our capacity; report back to "
            "the team meeting after each board.",
        ),
    ),
    DemoAssessment(
        title=APPROPRIATE_ADULTS_DECISION,
        decision_type=T.NEW_WORKSTREAM,
        author="officer2",
        workstream=W.APPROPRIATE_ADULTS_SERVICE,
        answers=(
            (
                MET,
                "Fair treatment of vulnerable adults in custody is part of the plan's "
                "commitment to fairer criminal justice services for all.",
            ),
            (
                MET,
                "Paid for from the OPCC commissioning budget, as now. The budget line is set "
                "for this year and next.",
            ),
            (
                MET,
                "The Home Office partnership agreement gives the office and the local "
                "authorities joint oversight. We know custody and the current provider well.",
            ),
            (
                PARTLY,
                "The procurement overlaps with the end of the victim services "
                "mobilisation. South West Police Procurement will run the tender, which "
                "keeps our part manageable.",
            ),
            (
                MET,
                "If the contract lapses, vulnerable adults could be interviewed without an "
                "Appropriate Adult, putting cases and people at risk.",
            ),
            (MET, "A statutory safeguard for people at their most vulnerable."),
        ),
        recommendation=PROCEED,
        recommended_role=R.LEAD,
        summary="Lead the re-commissioning with South West Police Procurement, overseeing "
        "the service with the local authorities under the partnership agreement.",
        decision=Decision(
            "manager",
            APPROVED,
            "Approved: we have the mandate and the budget. Start the procurement in time "
            "for the contract end.",
        ),
    ),
    # --- Declined: the courage to say no ----------------------------------------------------
    DemoAssessment(
        title=LA_DA_DECISION,
        decision_type=T.NEW_WORKSTREAM,
        author="officer",
        new_workstream=NewWorkstream(
            title=LA_DA_OUTREACH,
            description="Bath and North East Somerset Council asked the office to take over "
            "the re-commissioning of its community domestic abuse outreach service, "
            "transferring its budget to the office.",
            portfolio="Victim services",
            lead="officer",
            role=R.LEAD,
        ),
        amount=Decimal("180000.00"),
        answers=(
            (
                MET,
                "Supporting victims of domestic abuse is a priority of the Police and Crime Plan.",
            ),
            (
                PARTLY,
                "The council would transfer this year's budget, but has not committed to "
                "the years after.",
            ),
            (
                NOT_MET,
                "Local authorities lead the local commissioning of specialist domestic abuse "
                "services under their Domestic Abuse Act duty. It is their remit, not ours.",
            ),
            (
                PARTLY,
                "Possible after April, but only by delaying the Appropriate Adults procurement.",
            ),
            (
                PARTLY,
                "Two commissioners for the same service risks duplication and confusion for "
                "providers.",
            ),
            (
                PARTLY,
                "Some gain from one commissioner across the area, but much of it can be had "
                "by giving feedback on the council's plans.",
            ),
        ),
        recommendation=PROCEED,
        recommended_role=R.LEAD,
        justification="The council asked us directly and offered its budget; saying no "
        "risks the service lapsing.",
        summary="Lead the re-commissioning on the council's behalf for one year while it "
        "rebuilds its commissioning team.",
        decision=Decision(
            "manager",
            DECLINED,
            "Another body's remit: the local authority leads domestic abuse commissioning. "
            "We will support the council through our influencing role (feedback on its "
            "plan and a place on its evaluation panel) instead of leading.",
        ),
    ),
    DemoAssessment(
        title=PILOT_DECISION,
        decision_type=T.NEW_WORKSTREAM,
        author="officer2",
        new_workstream=NewWorkstream(
            title=REFERRAL_HUB_PILOT,
            description="A Ministry of Justice invitation to join the first wave of a "
            "national pilot of a single referral hub for victims, replacing local "
            "referral routes into victim services.",
            portfolio="Victim services",
            lead="officer2",
            role=R.LEAD,
        ),
        answers=(
            (
                MET,
                "Easier access to support for victims is central to the plan's vision of "
                "excellent victim support.",
            ),
            (
                PARTLY,
                "The Ministry funds the hub for the pilot year only; running costs after "
                "that are unclear.",
            ),
            (
                MET,
                "We commission the victim services the hub would refer into, so we know the "
                "pathways well.",
            ),
            (
                NOT_MET,
                "The pilot starts while the five victim services contracts are being re-let "
                "for April 2025. Nobody in the team is free to set it up.",
            ),
            (
                PARTLY,
                "Changing referral routes in the middle of re-commissioning could disrupt "
                "services. Not joining means waiting for the second wave.",
            ),
            (
                PARTLY,
                "Promising, but the evidence will come from the first wave anyway.",
            ),
        ),
        recommendation=PROCEED,
        recommended_role=R.LEAD,
        justification="First-wave areas shape the national model; joining later means "
        "taking a design made elsewhere.",
        summary="Join the first wave of the pilot as lead commissioner for Avon and Somerset.",
        decision=Decision(
            "manager2",
            DECLINED,
            "No capacity before the 2025 re-commissioning of victim services is done and "
            "the new contracts are running. Tell the Ministry we would like to join the "
            "second wave.",
        ),
    ),
    # --- Waiting for a decision --------------------------------------------------------------
    DemoAssessment(
        title=YEF_DECISION,
        decision_type=T.NEW_WORKSTREAM,
        author="officer2",
        workstream=W.YEF_BIDS,
        answers=(
            (
                MET,
                "Preventing children and young people becoming involved in violence is part "
                "of the plan's golden thread of prevention and the serious violence duty.",
            ),
            (
                MET,
                "The Youth Endowment Fund pays for the programme and its evaluation. Our "
                "contribution is staff time, with match in kind from the VRU.",
            ),
            (
                MET,
                "The VRU's data and partnerships put us in the best position to lead the "
                "bid for the area.",
            ),
            (
                PARTLY,
                "Writing the bid takes about 15 days over two months; the VRU team will "
                "share the work.",
            ),
            (
                PARTLY,
                "A lead bidder is accountable for delivery and evaluation. Doing nothing "
                "leaves national money on the table.",
            ),
            (
                MET,
                "A funded, evaluated programme for young people for modest bid-writing time.",
            ),
        ),
        recommendation=PROCEED,
        recommended_role=R.FACILITATING,
        summary="Lead a bid to the Youth Endowment Fund's current round, with the VRU "
        "spokes as delivery partners.",
    ),
    # --- Returned for changes ------------------------------------------------------------------
    DemoAssessment(
        title=DATA_ACCELERATOR_DECISION,
        decision_type=T.NEW_WORKSTREAM,
        author="officer",
        workstream=W.DATA_ACCELERATOR,
        answers=(
            (
                MET,
                "Better use of shared data supports the plan's commitment to outcomes and to "
                "planning on a clear evidence base.",
            ),
            (MET, "No money asked of the office: only attendance at the board."),
            (
                PARTLY,
                "We hold data on victim services outcomes; the Constabulary leads on police data.",
            ),
            (PARTLY, "A board meeting every two months."),
            (MET, "Low risk."),
            (PARTLY, "Likely to improve the data we get back from partners."),
        ),
        recommendation=PROCEED,
        recommended_role=R.INFLUENCING,
        summary="Take a seat on the programme board to influence how partners share data.",
        decision=Decision(
            "manager2",
            RETURNED,
            "Say what data the office would share and under which agreement, and who would "
            "attend the board. The capacity answer should say how this fits the forward "
            "plan.",
        ),
    ),
    # --- A draft -----------------------------------------------------------------------------
    DemoAssessment(
        title=RJ_EXTENSION_DECISION,
        decision_type=T.VARIATION,
        author="officer2",
        workstream=W.RJ,
        amount=Decimal("92000.00"),
        answers=(
            (
                MET,
                "Restorative justice gives victims a voice and helps them recover, which the "
                "plan commits to.",
            ),
            (
                PARTLY,
                "The extension year would come from the victims grant; next year's formula "
                "allocation is not confirmed yet.",
            ),
            (MET, ""),
        ),
        submit=False,
    ),
    # --- Funding and contract awards ---------------------------------------------------------
    DemoAssessment(
        title=PCG_DECISION,
        decision_type=T.FUNDING_AWARD,
        author="officer2",
        workstream=W.POLICE_AND_CRIME_GRANT,
        amount=Decimal("600000.00"),
        answers=(
            (
                MET,
                "Each partnership's plan is checked against the Police and Crime Plan's "
                "priorities before its share is paid.",
            ),
            (MET, "Within the OPCC commissioning budget for 2025/26."),
            (
                MET,
                "The partnerships know their areas best; we set the requirements and "
                "monitor the outcomes.",
            ),
            (MET, "An annual allocation the team runs every year."),
            (
                PARTLY,
                "Some partnerships underspent last year; payments are made half-yearly "
                "against their returns.",
            ),
            (MET, "Local crime reduction work in all five areas."),
        ),
        recommendation=PROCEED,
        summary="Award £600,000 split between the five Community Safety Partnerships by "
        "population and crime, paid half-yearly against monitoring returns.",
        decision=Decision(
            "manager",
            APPROVED,
            "Approved. Ask the two partnerships that underspent for a spending plan before "
            "the first payment.",
        ),
    ),
    DemoAssessment(
        title=CYP_DECISION,
        decision_type=T.CONTRACT_AWARD,
        author="officer",
        workstream=W.CYP,
        amount=Decimal("1260000.00"),
        answers=(
            (
                MET,
                "Support for children and young people who are victims of crime is part of "
                "the plan's victim support priority.",
            ),
            (
                MET,
                "£420,000 a year for three years from the victims grant (formula), within "
                "the allocation for each year.",
            ),
            (
                MET,
                "Tender run by South West Police Procurement and moderated by a panel with "
                "a young people's representative.",
            ),
            (MET, "Mobilisation is planned with the other victim services contracts."),
            (
                PARTLY,
                "A new provider for part of the area; a three-month mobilisation plan and "
                "monthly meetings in the first year manage the change.",
            ),
            (MET, "The highest quality and social value score at a fair price."),
        ),
        recommendation=PROCEED,
        summary="Award the contract to the highest-scoring bidder from 1 April 2025 for "
        "three years, with an option to extend by up to two.",
        decision=Decision(
            "manager2",
            APPROVED,
            "Approved: the evaluation was thorough and the price is within budget.",
        ),
    ),
    # --- Superseded by a newer decision ------------------------------------------------------
    DemoAssessment(
        title=TRIAGE_DECISION,
        decision_type=T.FUNDING_AWARD,
        author="officer2",
        workstream=W.MENTAL_HEALTH_TRIAGE,
        amount=Decimal("95000.00"),
        answers=(
            (
                MET,
                "Getting people in a mental health crisis the right help, and freeing "
                "police time, serves the plan.",
            ),
            (MET, "£95,000 from the OPCC commissioning budget, as last year."),
            (
                MET,
                "The integrated care board leads; we bring the police view of demand.",
            ),
            (MET, "A contribution with a quarterly board: light on time."),
            (MET, "Without triage, officers hold people in crisis for longer."),
            (MET, "Good value: the triage line handles thousands of calls a year."),
        ),
        recommendation=PROCEED,
        summary="Contribute £95,000 to the triage service for 2025/26.",
        decision=Decision(
            "manager",
            APPROVED,
            "Approved: the same contribution as last year, within the budget line.",
        ),
        successor=Successor(
            author="officer2",
            changes={
                "amount": Decimal("112000.00"),
                "summary": "Contribute £112,000 to the triage service for 2025/26, our "
                "share of the re-procured service's higher cost.",
            },
            answers={
                2: (
                    PARTLY,
                    "£112,000 from the OPCC commissioning budget: £17,000 more than "
                    "approved, because the re-procured service costs more and the partners' "
                    "shares were recalculated. The headroom covers it.",
                )
            },
            decision=Decision(
                "manager2",
                APPROVED,
                "Approved at £112,000; the recalculated shares are fair. This replaces the "
                "earlier decision.",
            ),
        ),
    ),
]


# --- Loading --------------------------------------------------------------------------------


def _answers(answers) -> dict[int, dict[str, str]]:
    return {
        number: {"rating": rating, "narrative": narrative}
        for number, (rating, narrative) in enumerate(answers, start=1)
    }


def _decide(assessment: DecisionAssessment, decision: Decision, users) -> None:
    services.assessment_decide(
        assessment=assessment,
        by=users[decision.by],
        outcome=decision.outcome,
        reason=decision.reason,
    )


def _play(spec: DemoAssessment, users: dict[str, User]) -> int:
    """Make the assessment and take it as far as the story goes; returns how many
    assessments were made."""
    author = users[spec.author]
    new_workstream = None
    if spec.new_workstream:
        new = spec.new_workstream
        new_workstream = {
            "title": new.title,
            "description": new.description,
            "portfolio": Portfolio.objects.get(name=new.portfolio),
            "lead_officer": users[new.lead],
            "role": new.role,
        }
    assessment = services.assessment_create(
        by=author,
        decision_type=spec.decision_type,
        title=spec.title,
        workstream=Workstream.objects.get(title=spec.workstream) if spec.workstream else None,
        new_workstream=new_workstream,
        amount=spec.amount,
    )
    services.assessment_update(
        assessment=assessment,
        by=author,
        answers=_answers(spec.answers),
        recommendation=spec.recommendation,
        recommended_role=spec.recommended_role,
        summary=spec.summary,
        justification=spec.justification,
    )
    if not spec.submit:
        return 1
    services.assessment_submit(assessment=assessment, by=author)
    if spec.decision:
        _decide(assessment, spec.decision, users)
    if not spec.successor:
        return 1

    successor = spec.successor
    newer = services.assessment_supersede(assessment=assessment, by=users[successor.author])
    services.assessment_update(
        assessment=newer,
        by=users[successor.author],
        answers={
            number: {"rating": rating, "narrative": narrative}
            for number, (rating, narrative) in successor.answers.items()
        },
        **successor.changes,
    )
    services.assessment_submit(assessment=newer, by=users[successor.author])
    if successor.decision:
        _decide(newer, successor.decision, users)
    return 2


def load_decisions(log: Log) -> None:
    """Assessments in every state of the workflow for the demo workstreams."""
    users = {key: User.objects.get(email__iexact=email) for key, email in USERS.items()}
    last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
    created = found = 0
    for spec in ASSESSMENTS:
        if DecisionAssessment.objects.filter(title=spec.title).exists():
            found += 1
            continue
        created += _play(spec, users)
    # The demo's events are history: shown in the portal, never emailed.
    Notification.objects.filter(pk__gt=last_notification or 0, emailed_at__isnull=True).update(
        email_wanted=False
    )
    made = f"{created} assessments" if created else "nothing"
    log(f"created {made}; {found} already there")


def register() -> None:
    register_demo_loader("decisions", 30, load_decisions)
