"""Demo data: a registry of loaders, and the core's own loader.

``manage.py load_demo`` runs every registered loader, lowest ``order`` first, inside one
transaction. The core registers ``load_core`` (order 10) when this module is imported;
the apps above it register theirs from their ``AppConfig.ready()``, so the core never
imports them::

    from commissioning.demo import register_demo_loader
    register_demo_loader("workstreams", 20, load_workstreams_demo)

Suggested orders follow the dependency chain: workstreams 20, decisions 30, grants and
contracts 40, monitoring 50, reports 60.

Every loader must be idempotent: look each record up by its natural key and create it
only when it is missing, never re-save a row that is already there (a save writes a
history row). Writes go through the services with ``by=None`` (the system).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from . import services
from .models import (
    FundingSource,
    FundingStream,
    Organisation,
    OrganisationContact,
    OrganisationKind,
    Role,
    User,
)

Log = Callable[[str], None]
Loader = Callable[[Log], None]

#: The password of every demo user. Demo data only: never load it into a live system.
DEMO_PASSWORD = "demo-portal-password"  # noqa: S105


# --- Registry ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLoader:
    name: str
    order: int
    loader: Loader


_LOADERS: dict[str, DemoLoader] = {}


def register_demo_loader(name: str, order: int, loader: Loader) -> None:
    """Add a loader; registering the same name again replaces it (``ready()`` may run
    more than once)."""
    _LOADERS[name] = DemoLoader(name, order, loader)


def demo_loaders() -> list[DemoLoader]:
    return sorted(_LOADERS.values(), key=lambda item: (item.order, item.name))


# --- The core's data ---------------------------------------------------------------------

K = OrganisationKind

# The identifiers of real public bodies are their org-id ones; the VCSE providers are
# invented, and so are their charity and company numbers.

#: (name, org-id identifier, area). Each area also has a Community Safety Partnership,
#: which has no identifier of its own.
LOCAL_AUTHORITIES = [
    ("Bristol City Council", "GB-LAE-BST", "Bristol"),
    ("Bath and North East Somerset Council", "GB-LAE-BAS", "Bath and North East Somerset"),
    ("North Somerset Council", "GB-LAE-NSM", "North Somerset"),
    ("South Gloucestershire Council", "GB-LAE-SGC", "South Gloucestershire"),
    ("Somerset Council", "GB-LAE-SOM", "Somerset"),
]

INTEGRATED_CARE_BOARDS = [
    ("NHS Bristol, North Somerset and South Gloucestershire Integrated Care Board", "GB-NHS-QUY"),
    (
        "NHS Bath and North East Somerset, Swindon and Wiltshire Integrated Care Board",
        "GB-NHS-QOX",
    ),
    ("NHS Somerset Integrated Care Board", "GB-NHS-QSL"),
]

MOJ = "Ministry of Justice"
HOME_OFFICE = "Home Office"
VICTIM_SERVICES_PROVIDER = "Severn Vale Victim Support"

#: (name, kind, org-id identifier or "", description).
PARTNERS = [
    (
        "Avon and Somerset Constabulary",
        K.CONSTABULARY,
        "",
        "The police force; hosts the Lighthouse Safeguarding Unit and lends the office "
        "resources and expertise.",
    ),
    (
        "South West Police Procurement Service",
        K.PROCUREMENT_SERVICE,
        "",
        "Runs the office's competitive procurements, moderation, award and mobilisation.",
    ),
    (
        "NHS England (Health and Justice, South West)",
        K.NHS_ENGLAND,
        "GB-NHS-X24",
        "Lead commissioner for the Sexual Assault Referral Centre and sexual violence "
        "therapies; the office co-commissions.",
    ),
    (
        MOJ,
        K.GOVERNMENT_DEPARTMENT,
        "GB-GOR-D18",
        "Funds the victims grant (formula and general) and local IDVA and DA/SV allocations.",
    ),
    (
        HOME_OFFICE,
        K.GOVERNMENT_DEPARTMENT,
        "GB-GOR-D16",
        "Funds the Violence Reduction Unit grant and the Safer Streets Fund.",
    ),
    (
        "Quartet Community Foundation",
        K.COMMUNITY_FOUNDATION,
        "GB-CHC-1080418",
        "Administers the small grants scheme in Bristol, Bath and North East Somerset, "
        "North Somerset and South Gloucestershire on the office's behalf.",
    ),
    (
        "Somerset Community Foundation",
        K.COMMUNITY_FOUNDATION,
        "GB-COH-04530979",
        "Administers the small grants scheme in Somerset on the office's behalf.",
    ),
    (
        "Youth Endowment Fund",
        K.NATIONAL_BODY,
        "GB-CHC-1185413",
        "National fund for preventing children and young people becoming involved in "
        "violence; the office may bid as lead.",
    ),
]

#: (name, identifier, description, (contact name, job title, email)).
PROVIDERS = [
    (
        VICTIM_SERVICES_PROVIDER,
        "GB-CHC-1190417",
        "Adults and Enhanced Adults victim services: needs assessment, emotional and "
        "practical support for victims of crime.",
        ("Hannah Price", "Service Manager", "hannah.price@example.org"),
    ),
    (
        "Mendip and Avon Sexual Violence Support",
        "GB-CHC-1102836",
        "Independent Sexual Violence Advisor (ISVA) service for adults and young people.",
        ("Grace Whitfield", "ISVA Service Lead", "grace.whitfield@example.org"),
    ),
    (
        "West Country Restorative Justice",
        "GB-CHC-1167254",
        "Restorative Justice service bringing victims and offenders into communication.",
        ("Tom Hardacre", "Restorative Justice Coordinator", "tom.hardacre@example.org"),
    ),
    (
        "Appropriate Adults South West",
        "GB-COH-11428375",
        "Appropriate Adults service for vulnerable adults in police custody.",
        ("Deborah Lyle", "Operations Manager", "deborah.lyle@example.org"),
    ),
    (
        "Young Voices Avon and Somerset",
        "GB-CHC-1158890",
        "Children and Young People (CYP) victim service, and CSE/CCE exploitation support.",
        ("Kwame Mensah", "Head of Children's Services", "kwame.mensah@example.org"),
    ),
    (
        "Safe Harbour Domestic Abuse Service",
        "GB-CHC-1073391",
        "Independent Domestic Violence Advisors (IDVAs), refuge and a domestic abuse "
        "perpetrator programme.",
        ("Sarah Okonjo", "Chief Executive", "sarah.okonjo@example.org"),
    ),
    (
        "Freedom Pathways",
        "GB-CHC-1181642",
        "Support for survivors of modern slavery and human trafficking.",
        ("Ewa Nowak", "Programme Manager", "ewa.nowak@example.org"),
    ),
]

#: (source, funder key, name, reference prefix, {year: amount}, conditions, reporting).
FUNDING_STREAMS = [
    (
        FundingSource.MOJ_VICTIMS_FORMULA,
        MOJ,
        "Ministry of Justice victims grant (formula)",
        "MOJ-VF",
        {2024: Decimal("1894520.00"), 2025: Decimal("1948760.00"), 2026: Decimal("1991300.00")},
        "Ring-fenced for services supporting victims of crime to cope and recover, under "
        "the Victims' Code. Underspend cannot be carried forward and is returned to the "
        "Ministry of Justice.",
        "Quarterly MoJ performance and financial returns (outputs, outcomes, spend) within "
        "a month of quarter end; year-end statement of grant usage signed by the Chief "
        "Finance Officer.",
    ),
    (
        FundingSource.MOJ_VICTIMS_GENERAL,
        MOJ,
        "Ministry of Justice victims grant (general)",
        "MOJ-VG",
        {2024: Decimal("912300.00"), 2025: Decimal("884150.00"), 2026: Decimal("861400.00")},
        "Ring-fenced for IDVA and ISVA posts and domestic abuse and sexual violence "
        "services as set out in the local allocations; changes to posts need MoJ "
        "agreement.",
        "Quarterly MoJ returns on IDVA/ISVA posts filled, caseloads and spend; mid-year "
        "and year-end narrative return.",
    ),
    (
        FundingSource.HOME_OFFICE_VRU,
        HOME_OFFICE,
        "Home Office Violence Reduction Unit grant",
        "HO-VRU",
        {2024: Decimal("1186000.00"), 2025: Decimal("1214500.00"), 2026: Decimal("1240000.00")},
        "For the Violence Reduction Unit's core function and interventions to prevent "
        "serious violence, delivered through the local VRU spokes; at least 20% match "
        "funding from partners.",
        "Quarterly Home Office claims and monitoring against the VRU success measures "
        "(hospital admissions for assault with a sharp object, knife and sharp-object "
        "offences, homicides); annual response strategy refresh.",
    ),
    (
        FundingSource.OPCC_BUDGET,
        None,  # the office itself
        "OPCC commissioning budget",
        "OPCC-CB",
        {2024: Decimal("2450000.00"), 2025: Decimal("2525000.00"), 2026: Decimal("2580000.00")},
        "Set in the PCC's annual budget: victim services, Appropriate Adults, Liaison and "
        "Diversion, mental health triage, Police and Crime Grants, the small grants "
        "scheme and commissioning planning. Underspends return to the PCC at year end.",
        "Quarterly or mid-year and year-end financial monitoring returns from providers; "
        "reported to the Commissioner's governance board each quarter.",
    ),
]

#: (key, email, full name, role, job title). Provider belongs to the victim services
#: provider. Two officers and two managers, so a manager can approve another's work.
DEMO_USERS = [
    ("officer", "officer@example.org", "Olivia Okafor", Role.OFFICER, "Commissioning Officer"),
    ("officer2", "officer2@example.org", "Owen Pritchard", Role.OFFICER, "Commissioning Officer"),
    (
        "manager",
        "manager@example.org",
        "Megan Hollis",
        Role.MANAGER,
        "Commissioning and Partnerships Manager",
    ),
    (
        "manager2",
        "manager2@example.org",
        "Marcus Bell",
        Role.MANAGER,
        "Senior Commissioning Manager",
    ),
    ("provider", "provider@example.org", "Priya Shah", Role.PROVIDER, "Contracts Officer"),
    ("viewer", "viewer@example.org", "Victor Lane", Role.VIEWER, "Chief Finance Officer"),
    ("admin", "admin@example.org", "Alex Morgan", Role.ADMIN, "Systems Administrator"),
]

FINANCIAL_YEARS = (2024, 2025, 2026)


class Tally:
    def __init__(self) -> None:
        self.created: dict[str, int] = {}
        self.found = 0

    def add(self, label: str, created: bool) -> None:
        if created:
            self.created[label] = self.created.get(label, 0) + 1
        else:
            self.found += 1

    def summary(self) -> str:
        made = ", ".join(f"{n} {label}" for label, n in self.created.items()) or "nothing"
        return f"created {made}; {self.found} already there"


def _organisation(
    tally: Tally, *, name: str, kind: str, identifier: str = "", description: str = ""
) -> Organisation:
    if identifier:
        existing = Organisation.objects.filter(identifier=identifier).first()
    else:
        existing = Organisation.objects.filter(name__iexact=name, kind=kind).first()
    tally.add("organisations", existing is None)
    if existing is not None:
        return existing
    return services.organisation_create(
        by=None, name=name, kind=kind, identifier=identifier, description=description
    )


def _contact(tally: Tally, organisation: Organisation, name: str, job_title: str, email: str):
    existing = OrganisationContact.objects.filter(
        organisation=organisation, email__iexact=email
    ).first()
    tally.add("contacts", existing is None)
    if existing is not None:
        return existing
    return services.contact_create(
        organisation=organisation,
        by=None,
        name=name,
        job_title=job_title,
        email=email,
        is_primary=True,
    )


def _funding_stream(tally: Tally, **fields) -> FundingStream:
    existing = FundingStream.objects.filter(
        name=fields["name"], financial_year=fields["financial_year"]
    ).first()
    tally.add("funding streams", existing is None)
    if existing is not None:
        return existing
    return services.funding_stream_create(by=None, **fields)


def _user(tally: Tally, **fields) -> User:
    existing = User.objects.filter(email__iexact=fields["email"]).first()
    tally.add("users", existing is None)
    if existing is not None:
        return existing  # never reset a password someone may have changed
    return services.user_create(by=None, password=DEMO_PASSWORD, **fields)


def load_core(log: Log) -> None:
    """Avon and Somerset's partners, providers, funding streams and one user per role."""
    tally = Tally()
    orgs: dict[str, Organisation] = {}

    def add(name: str, kind: str, identifier: str = "", description: str = "") -> None:
        orgs[name] = _organisation(
            tally, name=name, kind=kind, identifier=identifier, description=description
        )

    office = _organisation(
        tally,
        name=settings.OFFICE_NAME,
        kind=K.GOVERNMENT_DEPARTMENT,
        identifier=settings.OFFICE_ORG_ID,
        description="The office this portal serves: commissions services and outcomes on "
        "behalf of the Police and Crime Commissioner.",
    )
    for name, kind, identifier, description in PARTNERS:
        add(name, kind, identifier, description)
    for name, identifier, area in LOCAL_AUTHORITIES:
        add(name, K.LOCAL_AUTHORITY, identifier, f"Local authority for {area}.")
    for name, _identifier, area in LOCAL_AUTHORITIES:
        add(
            f"{area} Community Safety Partnership",
            K.COMMUNITY_SAFETY_PARTNERSHIP,
            "",
            f"Community Safety Partnership for {area}, hosted by {name}; receives a "
            "Police and Crime Grant.",
        )
    for name, identifier in INTEGRATED_CARE_BOARDS:
        add(name, K.INTEGRATED_CARE_BOARD, identifier, "Integrated Care Board; co-commissioner.")
    for name, identifier, description, (contact, job_title, email) in PROVIDERS:
        add(name, K.PROVIDER, identifier, description)
        _contact(tally, orgs[name], contact, job_title, email)

    for source, funder, name, prefix, amounts, conditions, reporting in FUNDING_STREAMS:
        for year in FINANCIAL_YEARS:
            _funding_stream(
                tally,
                name=name,
                reference=f"{prefix}-{year}",
                source=source,
                funder=office if funder is None else orgs[funder],
                financial_year=year,
                amount=amounts[year],
                conditions=conditions,
                reporting_requirements=reporting,
            )

    for _key, email, full_name, role, job_title in DEMO_USERS:
        _user(
            tally,
            email=email,
            full_name=full_name,
            role=role,
            job_title=job_title,
            organisation=orgs[VICTIM_SERVICES_PROVIDER] if role == Role.PROVIDER else None,
        )

    log(tally.summary())


register_demo_loader("core", 10, load_core)
