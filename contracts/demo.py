"""Demo procurements and contracts: the five victim services re-let from 1 April 2025
after a procurement run with South West Police Procurement Service (the Adults Service's
with its suitability checks, panel scores, moderation and award), and the co-commissioned
ASCC, SV therapies and SARC contracts, each with KPIs, meetings held and minuted, and one
flagged service risk.

Registered with ``commissioning.demo`` at order 45, after the workstreams and grants.
Idempotent: a procurement is looked up by its title and a contract by its title; each is
made, with everything that belongs to it, only when missing, so a second run writes
nothing. Contracts are charged to the demo funding streams only where the stream's
headroom allows; otherwise the charge is left out.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from commissioning.demo import Log, Tally
from commissioning.models import FundingStream, Organisation, OrganisationKind, User
from workstreams import demo as ws
from workstreams.models import Workstream

from . import services
from .models import (
    RAG,
    Contract,
    ExtensionOption,
    KPIDirection,
    KPIFrequency,
    Procurement,
    ProcurementRoute,
    ProcurementStatus,
    SuitabilityGround,
)

D = datetime.date
START, END = D(2025, 4, 1), D(2028, 3, 31)

OPCC_BUDGET = "OPCC commissioning budget"
MOJ_FORMULA = "Ministry of Justice victims grant (formula)"
MOJ_GENERAL = "Ministry of Justice victims grant (general)"

#: Suppliers the core's loader does not make: (name, description).
EXTRA_SUPPLIERS = {
    "ASCC": (
        "Custody and Court Advice Partnership",
        "Advice and support at custody and court, with referral to drug, alcohol and "
        "mental health services.",
    ),
    "SARC": (
        "Avon and Somerset Forensic and Care Services",
        "Runs the Sexual Assault Referral Centre for NHS England.",
    ),
    "SV": (
        "West of England Therapy Collective",
        "Specialist therapy for people who have experienced sexual violence.",
    ),
}

#: (name, measure, target, unit, direction, frequency).
KPI_SETS = {
    "victims": [
        (
            "Contact within two working days",
            "Victims referred who are contacted within two working days of referral",
            Decimal("90"),
            "%",
            KPIDirection.HIGHER,
            KPIFrequency.QUARTERLY,
        ),
        (
            "Cope and recover",
            "Victims closing support who report they are better able to cope and recover",
            Decimal("80"),
            "%",
            KPIDirection.HIGHER,
            KPIFrequency.QUARTERLY,
        ),
        (
            "Waiting time for support",
            "Median days from needs assessment to the start of support",
            Decimal("10"),
            "days",
            KPIDirection.LOWER,
            KPIFrequency.QUARTERLY,
        ),
    ],
    "health": [
        (
            "Seen within the target time",
            "Clients offered a first appointment within the service's target time",
            Decimal("85"),
            "%",
            KPIDirection.HIGHER,
            KPIFrequency.QUARTERLY,
        ),
        (
            "Support completed",
            "Clients who complete their planned support",
            Decimal("75"),
            "%",
            KPIDirection.HIGHER,
            KPIFrequency.HALF_YEARLY,
        ),
        (
            "Client satisfaction",
            "Clients rating the service good or very good at exit",
            Decimal("90"),
            "%",
            KPIDirection.HIGHER,
            KPIFrequency.ANNUALLY,
        ),
    ],
}

MINUTES = [
    (RAG.GREEN, "Mobilisation complete; referrals in line with the forecast."),
    (RAG.AMBER, "Referrals up 12% on the quarter; waiting times rising. Recovery plan agreed."),
    (RAG.GREEN, "Waiting times back within target; case studies shared with the panel."),
]


@dataclass(frozen=True)
class DemoContract:
    title: str
    workstream: str
    supplier: str  # org-id identifier, exact name, or an EXTRA_SUPPLIERS key
    annual_value: Decimal
    years: int
    start: datetime.date
    end: datetime.date
    streams: tuple[str, ...]
    kpis: str
    kpi_count: int
    light_touch: bool = False
    lead_commissioner: str = ""
    office_contribution: Decimal | None = None
    extension_months: tuple[int, ...] = ()
    meetings_held: int = 0
    risk: str = ""
    procured: bool = True


def _victim(title, supplier, annual, streams, *, kpis=2, held=2, risk=""):
    name = ws.VICTIM_CONTRACTS[title][0]
    return DemoContract(
        title=f"Victim services — {name}",
        workstream=title,
        supplier=supplier,
        annual_value=Decimal(annual),
        years=3,
        start=START,
        end=END,
        streams=streams,
        kpis="victims",
        kpi_count=kpis,
        light_touch=True,
        extension_months=(12, 12),
        meetings_held=held,
        risk=risk,
    )


CONTRACTS = [
    _victim(ws.ADULTS, ws.VICTIM_SUPPORT, "780000", (MOJ_FORMULA,), kpis=3, held=3),
    _victim(ws.ENHANCED_ADULTS, ws.VICTIM_SUPPORT, "420000", (MOJ_FORMULA,)),
    _victim(
        ws.CYP,
        ws.YOUNG_VOICES,
        "310000",
        (OPCC_BUDGET,),
        risk="Two caseworker posts vacant since the summer; the waiting list for "
        "children's support has doubled.",
    ),
    _victim(ws.RJ, ws.RESTORATIVE_JUSTICE, "180000", (OPCC_BUDGET,), held=1),
    _victim(ws.ISVA, ws.SV_SUPPORT, "360000", (MOJ_GENERAL,)),
    DemoContract(
        title="Advice and Support at Custody and Court",
        workstream=ws.ASCC,
        supplier="ASCC",
        annual_value=Decimal("540000"),
        years=3,
        start=START,
        end=END,
        streams=(OPCC_BUDGET,),
        kpis="health",
        kpi_count=2,
        lead_commissioner=ws.BRISTOL,
        office_contribution=Decimal("150000"),
        meetings_held=2,
        procured=False,
    ),
    DemoContract(
        title="Sexual Violence Therapies",
        workstream=ws.SV_THERAPIES,
        supplier="SV",
        annual_value=Decimal("1350000"),
        years=5,
        start=D(2024, 4, 1),
        end=D(2029, 3, 31),
        streams=(OPCC_BUDGET,),
        kpis="health",
        kpi_count=3,
        lead_commissioner=ws.NHS_ENGLAND,
        office_contribution=Decimal("60000"),
        meetings_held=2,
        procured=False,
    ),
    DemoContract(
        title="Sexual Assault Referral Centre",
        workstream=ws.SARC,
        supplier="SARC",
        annual_value=Decimal("1900000"),
        years=5,
        start=D(2024, 10, 1),
        end=D(2029, 9, 30),
        streams=(OPCC_BUDGET,),
        kpis="health",
        kpi_count=3,
        lead_commissioner=ws.NHS_ENGLAND,
        office_contribution=Decimal("95000"),
        meetings_held=2,
        procured=False,
    ),
]

ADULTS_PROCUREMENT = "Victim services re-let 2025 — Adults Service"

#: (question, weight within quality).
QUESTIONS = [
    ("Service model: how victims are assessed and supported to cope and recover", 40),
    ("Reaching under-served communities across Avon and Somerset", 35),
    ("Mobilisation, staffing and safe transfer of open cases", 25),
]

#: (supplier, price, social value score, two panel members' scores per question).
BIDS = [
    (ws.VICTIM_SUPPORT, "2310000", "4", [(4, 5), (4, 4), (4, 4)]),
    (ws.SAFE_HARBOUR, "2280000", "3", [(3, 3), (3, 4), (3, 3)]),
]


class Loader:
    def __init__(self, log: Log) -> None:
        self.log = log
        self.tally = Tally()
        self.users = {key: User.objects.get(email__iexact=email) for key, email in ws.USERS.items()}
        self.orgs = ws._Organisations()

    def run(self) -> None:
        procurement = self.adults_procurement()
        for spec in CONTRACTS:
            self.contract(spec, procurement if spec.workstream == ws.ADULTS else None)
        self.log(self.tally.summary())

    # --- Look-ups ------------------------------------------------------------------------

    def supplier(self, key: str) -> Organisation:
        if key not in EXTRA_SUPPLIERS:
            return self.orgs[key]
        name, description = EXTRA_SUPPLIERS[key]
        existing = Organisation.objects.filter(name=name).first()
        self.tally.add("suppliers", existing is None)
        if existing is not None:
            return existing
        from commissioning.services import contact_create, organisation_create

        supplier = organisation_create(
            by=None, name=name, kind=OrganisationKind.PROVIDER, description=description
        )
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
        contact_create(
            organisation=supplier,
            by=None,
            name="Contracts manager",
            job_title="Contracts manager",
            email=f"contracts.{slug}@example.org",
            is_primary=True,
        )
        return supplier

    def workstream(self, title: str) -> Workstream:
        return Workstream.objects.get(title=title)

    # --- The Adults Service procurement ---------------------------------------------------

    def adults_procurement(self) -> Procurement:
        existing = Procurement.objects.filter(title=ADULTS_PROCUREMENT).first()
        self.tally.add("procurements", existing is None)
        if existing is not None:
            return existing
        officer, officer2 = self.users["officer"], self.users["officer2"]
        procurement = services.procurement_create(
            by=officer,
            workstream=self.workstream(ws.ADULTS),
            title=ADULTS_PROCUREMENT,
            route=ProcurementRoute.PROCUREMENT_SERVICE,
            light_touch=True,
            estimated_annual_value=Decimal("780000"),
            estimated_whole_life_value=Decimal("2340000"),
            early_market_engagement="Two market engagement events with providers in "
            "spring 2024; the service specification was changed to allow partnership bids.",
            engagement_date=D(2024, 4, 17),
            tender_notice_date=D(2024, 6, 3),
            clarification_deadline=D(2024, 6, 28),
            submission_deadline=D(2024, 7, 12),
            evaluation_date=D(2024, 8, 30),
            standstill_end=D(2024, 10, 14),
            mobilisation_start=D(2024, 11, 1),
            go_live_date=START,
            status=ProcurementStatus.EVALUATING,
        )
        questions = [
            services.question_add(
                procurement=procurement, by=officer, text=text, weight=Decimal(weight)
            )
            for text, weight in QUESTIONS
        ]
        bids = []
        for supplier, price, social, scores in BIDS:
            bid = services.bid_add(
                procurement=procurement,
                by=officer,
                supplier=self.orgs[supplier],
                price=Decimal(price),
                social_value_score=Decimal(social),
            )
            services.suitability_record(
                bid=bid,
                by=officer,
                results=dict.fromkeys(
                    SuitabilityGround.values,
                    (True, "Evidence checked by South West Police Procurement."),
                ),
            )
            for question, (first, second) in zip(questions, scores, strict=True):
                for member, score in ((officer, first), (officer2, second)):
                    services.panel_score_record(
                        bid=bid, question=question, panel_member=member, score=Decimal(score)
                    )
                services.moderate(
                    bid=bid,
                    question=question,
                    by=officer,
                    score=services.panel_average(bid, question),
                )
            bids.append(bid)
        services.procurement_award(
            procurement=procurement, bid=bids[0], by=officer, award_date=D(2024, 10, 1)
        )
        procurement.refresh_from_db()
        return procurement

    # --- Contracts -------------------------------------------------------------------------

    def charges(self, spec: DemoContract) -> list[tuple[FundingStream, Decimal]]:
        """A year's share on each year's stream, where the stream has the headroom."""
        yearly = spec.office_contribution or spec.annual_value
        share = (yearly / len(spec.streams)).quantize(Decimal("0.01"))
        charges = []
        for name in spec.streams:
            for stream in FundingStream.objects.with_money().filter(
                name=name, financial_year__in=(2025, 2026)
            ):
                if stream.headroom_total >= share:
                    charges.append((stream, share))
        return charges

    def contract(self, spec: DemoContract, procurement: Procurement | None) -> Contract:
        existing = Contract.objects.filter(title=spec.title).first()
        self.tally.add("contracts", existing is None)
        if existing is not None:
            return existing
        officer = self.users["officer"]
        years = spec.years
        contribution = spec.office_contribution * years if spec.office_contribution else None
        contract = services.contract_create(
            by=officer,
            charges=self.charges(spec),
            title=spec.title,
            supplier=self.supplier(spec.supplier),
            workstream=self.workstream(spec.workstream),
            procurement=procurement,
            annual_value=spec.annual_value,
            whole_life_value=spec.annual_value * years,
            start_date=spec.start,
            end_date=spec.end,
            light_touch=spec.light_touch,
            lead_commissioner=self.orgs[spec.lead_commissioner] if spec.lead_commissioner else None,
            office_contribution=contribution,
            responsible_officer=officer,
        )
        for months in spec.extension_months:
            ExtensionOption.objects.create(contract=contract, months=months)
        for name, measure, target, unit, direction, frequency in KPI_SETS[spec.kpis][
            : spec.kpi_count
        ]:
            services.kpi_add(
                contract=contract,
                by=officer,
                name=name,
                measure=measure,
                target=target,
                unit=unit,
                direction=direction,
                frequency=frequency,
            )
        services.contract_go_live(contract=contract, by=officer, went_live_on=spec.start)
        for meeting, (rag, minutes) in zip(
            contract.meetings.order_by("due_date")[: spec.meetings_held], MINUTES, strict=False
        ):
            services.meeting_record(
                meeting=meeting,
                by=officer,
                held_on=meeting.due_date + datetime.timedelta(days=3),
                minutes=minutes,
                rag=rag,
            )
        if spec.risk:
            services.contract_set_risk(contract=contract, by=officer, flagged=True, note=spec.risk)
        return contract


def load_contracts(log: Log) -> None:
    """The strategy's contracts, the Adults Service procurement behind its re-let, KPIs,
    meetings held and one flagged risk."""
    Loader(log).run()


def register() -> None:
    from commissioning import demo

    demo.register_demo_loader("contracts", 45, load_contracts)
