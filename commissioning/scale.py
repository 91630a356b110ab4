"""A national-scale data set, made quickly: ``manage.py seed_scale``.

The demo data (``load_demo``) is the pattern: it already holds workstreams in all four
commissioning roles, decisions in every state, grants with charges, payments,
underspends and onward grants, contracts with KPIs, meetings, notices and variations,
and monitoring returns in every state with their KPI and outcome figures. This module
copies it in three families, with ``bulk_create`` a chunk of copies at a time:

- the **office** family (organisations and their contacts, users, funding streams,
  workstreams with partners, checklists, stage changes and milestones, decisions with
  answers and events, notifications): copied ``offices`` times;
- the **grant** family (a grant with everything hanging off it, its return schedule,
  returns and their figures): copied until the number of grants asked for is reached;
- the **contract** family (likewise): copied until the number of contracts is reached.

Each grant or contract copy belongs to one office copy (its recipient, workstream,
funding stream, officers and decision are that copy's), and each office copy is moved
back 0–9 whole years (every date, the funding stream's financial year and the return's
period), so funding streams and agreements cover ten financial years. Work that would be
long overdue after the move is settled as it would have been (returns accepted, payments
paid, meetings held, notices published, grants closed), so "overdue" stays realistic.

Returns are capped at the number asked for: when the copies would make more, a copy's
returns are made only for an even share of the copies. Every copied model with history
gets its "created" history row (``bulk_create_with_history``). Reminders are not copied:
the reminder sweep has the copies' due returns to find. PostgreSQL gets ``ANALYZE`` at
the end.

Models are named by label (``apps.get_model``), so this core module imports no app
above it.
"""

from __future__ import annotations

import datetime
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

#: Demo rows this module recognises its own copies by (a reference suffix).
COPY_MARK = "-s"
YEARS = 10


@dataclass
class Spec:
    """One model of a family: which demo rows are copied and how values are changed."""

    label: str
    where: Q = field(default_factory=Q)
    #: attname -> function(value, copy) for values that must differ (unique) or be cleared
    how: dict[str, Callable] = field(default_factory=dict)
    #: rows that exist only when the copy's returns are made
    returns: bool = False
    #: rows copied only with some copies (the rest refer to the originals)
    every: int = 1
    every_where: Q | None = None

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)


def _suffix(value, copy):
    return f"{value} ({copy})"


def _dashed(value, copy):
    return f"{value}{COPY_MARK}{copy}"


def _blank(value, copy):
    return ""


def _none(value, copy):
    return None


def _email(value, copy):
    local, _, domain = value.partition("@")
    return f"{local}+s{copy}@{domain}"


def office_specs() -> list[Spec]:
    return [
        Spec("commissioning.Organisation", how={"name": _suffix, "identifier": _blank}),
        Spec("commissioning.OrganisationContact"),
        Spec(
            "commissioning.User",
            where=Q(is_superuser=False),
            how={"email": _email, "last_login": _none},
            # A real office has two or three managers; one set per twenty office copies
            # keeps the installation's managers in the tens, not hundreds (every decision
            # reminder goes to each of them). The other copies share those managers.
            every=20,
            every_where=Q(role__in=["manager", "admin"]),
        ),
        Spec("commissioning.FundingStream", how={"name": _suffix}),
        Spec("workstreams.Workstream", how={"title": _suffix, "predecessor_id": _none}),
        Spec("workstreams.WorkstreamPartner"),
        Spec("workstreams.ChecklistItem", how={"evidence_file": _blank}),
        Spec("workstreams.StageChange"),
        Spec("workstreams.Milestone"),
        Spec(
            "decisions.DecisionAssessment",
            how={"reference": _dashed, "supersedes_id": _none},
        ),
        Spec("decisions.Answer", how={"evidence_file": _blank}),
        Spec("decisions.AssessmentEvent"),
        # unique per recipient and key, and managers are shared between copies
        Spec("commissioning.Notification", how={"key": _dashed}),
    ]


def _agreement_specs(kind: str) -> list[Spec]:
    on = Q(**{f"schedule__{kind}__isnull": False})
    return [
        Spec("monitoring.ReturnSchedule", where=Q(**{f"{kind}__isnull": False})),
        Spec("monitoring.MeasureTarget", where=on),
        Spec("monitoring.MonitoringReturn", where=on, returns=True),
        *(
            [
                Spec(
                    "monitoring.KPIResult",
                    where=Q(monitoring_return__schedule__contract__isnull=False),
                    returns=True,
                )
            ]
            if kind == "contract"
            else []
        ),
        Spec(
            "monitoring.OutcomeResult",
            where=Q(**{f"monitoring_return__schedule__{kind}__isnull": False}),
            returns=True,
        ),
        Spec(
            "monitoring.ReturnSubmission",
            where=Q(**{f"monitoring_return__schedule__{kind}__isnull": False}),
            returns=True,
        ),
        Spec(
            "monitoring.UnderspendFlag",
            where=Q(**{f"monitoring_return__schedule__{kind}__isnull": False}),
            returns=True,
        ),
        Spec("monitoring.Concern", where=Q(**{f"{kind}__isnull": False})),
    ]


def grant_specs() -> list[Spec]:
    return [
        Spec(
            "grants.Grant",
            how={"reference": _dashed, "allocation_id": _none, "signed_agreement": _blank},
        ),
        Spec("grants.GrantCharge"),
        Spec("grants.Payment"),
        Spec("grants.UnderspendReturn"),
        Spec("grants.OnwardGrant"),
        *_agreement_specs("grant"),
    ]


def contract_specs() -> list[Spec]:
    return [
        Spec(
            "contracts.Contract",
            how={"reference": _dashed, "procurement_id": _none, "end_milestone_id": _none},
        ),
        Spec("contracts.ContractCharge"),
        Spec("contracts.ExtensionOption"),
        Spec("contracts.KPI"),
        Spec("contracts.ContractMeeting"),
        Spec("contracts.MeetingAction"),
        Spec("contracts.ContractNotice"),
        Spec("contracts.Variation", how={"approving_decision_id": _none}),
        *_agreement_specs("contract"),
    ]


# --- Moving a copy back in time ----------------------------------------------------------


def _years_back(value, years: int):
    if not years or value is None:
        return value
    try:
        return value.replace(year=value.year - years)
    except ValueError:  # 29 February
        return value.replace(year=value.year - years, day=28)


_PERIOD_YEAR = re.compile(r"\b(20\d\d)(/\d\d)?\b")


def _period_back(text: str, years: int) -> str:
    if not years:
        return text

    def move(match):
        year = int(match.group(1)) - years
        return f"{year}/{(year + 1) % 100:02d}" if match.group(2) else str(year)

    return _PERIOD_YEAR.sub(move, text)


def _settle(label: str, row, today: datetime.date) -> None:
    """Work that a moved-back copy would long since have finished, finished."""
    if label == "monitoring.MonitoringReturn":
        if row.status != "accepted" and row.due_date < today - datetime.timedelta(days=60):
            due = timezone.make_aware(datetime.datetime.combine(row.due_date, datetime.time(12)))
            row.status = "accepted"
            row.submitted_at = row.submitted_at or due
            row.reviewed_at = row.reviewed_at or due + datetime.timedelta(days=14)
            row.finance_complete = row.performance_complete = row.outcomes_complete = True
            row.narrative_complete = row.evidence_complete = True
    elif label == "grants.Payment":
        if row.status == "scheduled" and row.due_date < today:
            row.status, row.paid_date = "paid", row.due_date
            row.payment_reference = f"BACS-{row.due_date:%Y%m%d}"
    elif label == "grants.Grant":
        if row.status in ("awarded", "active") and row.end_date < today:
            row.status = "closed"
    elif label == "contracts.ContractMeeting":
        if row.held_on is None and row.due_date < today:
            row.held_on, row.rag = row.due_date, row.rag or "green"
    elif label == "contracts.ContractNotice":
        if row.published_on is None and row.due_date < today:
            row.published_on = row.due_date
    elif label == "contracts.MeetingAction" and row.done_on is None and row.due_date < today:
        row.done_on = row.due_date


# --- Copying ----------------------------------------------------------------------------


class Family:
    def __init__(self, specs: list[Spec]):
        self.specs = specs
        self.rows = [
            (spec, list(spec.model.objects.filter(spec.where).order_by("pk"))) for spec in specs
        ]

    def count(self, label: str) -> int:
        return sum(len(rows) for spec, rows in self.rows if spec.label == label)


class Seeder:
    def __init__(self, *, grants: int, contracts: int, returns: int, out=print):
        self.out = out
        self.today = timezone.localdate()
        self.office = Family(office_specs())
        self.grant = Family(grant_specs())
        self.contract = Family(contract_specs())
        demo_grants = self.grant.count("grants.Grant")
        demo_contracts = self.contract.count("contracts.Contract")
        if not demo_grants or not demo_contracts:
            raise ValueError("Load the demo data first (manage.py load_demo).")
        self.grant_copies = max(0, math.ceil((grants - demo_grants) / demo_grants))
        self.contract_copies = max(0, math.ceil((contracts - demo_contracts) / demo_contracts))
        # An office copy per ten grant copies: thousands of organisations and
        # workstreams at full scale, and at least one copy per year moved back.
        self.offices = max(1, min(math.ceil(self.grant_copies / 10), 10_000))
        natural = self.grant_copies * self.grant.count(
            "monitoring.MonitoringReturn"
        ) + self.contract_copies * self.contract.count("monitoring.MonitoringReturn")
        demo_returns = apps.get_model("monitoring.MonitoringReturn").objects.count()
        wanted = max(0, returns - demo_returns)
        self.return_share = 1.0 if natural <= wanted else wanted / natural
        # Each office copy's funding streams carry the grants and contracts of its
        # agreement copies, so their amounts grow with them (headroom stays sensible).
        self.money_factor = max(
            1, math.ceil(max(self.grant_copies, self.contract_copies) / self.offices)
        )
        self.office_maps: dict[int, dict] = {}
        self.made: dict[str, int] = {}

    # --- one chunk of copies of a family ----------------------------------------------

    def _copy(self, family: Family, copies: list[int], office_of: Callable[[int], int]) -> None:
        maps: dict[int, dict] = {copy: {} for copy in copies}
        for spec, originals in family.rows:
            model = spec.model
            if not originals:
                continue
            fields = [f for f in model._meta.concrete_fields if not f.primary_key]
            made: list[models.Model] = []
            owners: list[tuple[int, int]] = []
            spec_rare = (
                set(model.objects.filter(spec.where, spec.every_where))
                if spec.every_where is not None
                else set()
            )
            for copy in copies:
                office = office_of(copy)
                years = office % YEARS
                if spec.returns and not self._with_returns(copy):
                    continue
                own = maps[copy]
                shared = self.office_maps.get(office, {})
                for original in originals:
                    if spec.every > 1 and copy % spec.every != 1 and original in spec_rare:
                        own.setdefault(model, {})[original.pk] = original.pk
                        continue
                    values = {}
                    skip = False
                    for f in fields:
                        value = getattr(original, f.attname)
                        if f.attname in spec.how:
                            value = spec.how[f.attname](value, copy)
                        elif f.is_relation and value is not None:
                            target = f.related_model
                            if target in own:
                                value = own[target].get(value)
                                skip = skip or value is None and not f.null
                            elif target in shared:
                                value = shared[target].get(value, value)
                        elif isinstance(f, models.DateField):  # and DateTimeField
                            value = _years_back(value, years)
                        values[f.attname] = value
                    if skip:  # a parent that was not copied (returns left out)
                        continue
                    row = model(**values)
                    self._adjust(spec.label, row, years)
                    made.append(row)
                    owners.append((copy, original.pk))
            if not made:
                continue
            if hasattr(model, "history"):
                bulk_create_with_history(made, model, batch_size=1000)
            else:
                model.objects.bulk_create(made, batch_size=1000)
            for (copy, old), row in zip(owners, made, strict=True):
                maps[copy].setdefault(model, {})[old] = row.pk
            self.made[spec.label] = self.made.get(spec.label, 0) + len(made)
        return maps

    def _adjust(self, label: str, row, years: int) -> None:
        if label == "commissioning.FundingStream":
            row.financial_year -= years
            row.amount *= self.money_factor
        elif label == "monitoring.MonitoringReturn":
            row.period_key = _period_back(row.period_key, years)
            row.period_label = _period_back(row.period_label, years)
        if years:
            _settle(label, row, self.today)

    def _with_returns(self, copy: int) -> bool:
        """An even share of copies get their returns (Bresenham-style)."""
        share = self.return_share
        return share >= 1 or math.floor(copy * share) > math.floor((copy - 1) * share)

    # --- the run ------------------------------------------------------------------------

    def run(self, chunk: int = 40) -> dict[str, int]:
        """All or nothing: a failed run leaves the database as it was."""
        with transaction.atomic():
            self._run(chunk)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        return self.made

    def _run(self, chunk: int) -> None:
        started = time.perf_counter()
        self.out(
            f"Copying the demo: {self.offices} office copies, {self.grant_copies} grant "
            f"copies, {self.contract_copies} contract copies (returns share "
            f"{self.return_share:.2f})"
        )
        for first in range(1, self.offices + 1, chunk):
            copies = list(range(first, min(first + chunk, self.offices + 1)))
            maps = self._copy(self.office, copies, lambda copy: copy)
            for copy, mapping in maps.items():
                # only foreign keys are looked up: keep just what other families need
                self.office_maps[copy] = mapping
        self.out(f"  offices: {time.perf_counter() - started:.0f}s")
        for family, count in (
            (self.grant, self.grant_copies),
            (self.contract, self.contract_copies),
        ):
            for first in range(1, count + 1, chunk):
                copies = list(range(first, min(first + chunk, count + 1)))
                self._copy(family, copies, lambda copy: (copy - 1) % self.offices + 1)
            self.out(f"  {family.specs[0].label}: {time.perf_counter() - started:.0f}s")
        self.out(f"Copied in {time.perf_counter() - started:.0f}s")


def already_seeded() -> bool:
    return (
        apps.get_model("grants.Grant").objects.filter(reference__contains=f"{COPY_MARK}1").exists()
    )


def counts() -> dict[str, int]:
    labels = {
        "organisations": "commissioning.Organisation",
        "users": "commissioning.User",
        "funding streams": "commissioning.FundingStream",
        "workstreams": "workstreams.Workstream",
        "decisions": "decisions.DecisionAssessment",
        "grants": "grants.Grant",
        "payments": "grants.Payment",
        "contracts": "contracts.Contract",
        "KPIs": "contracts.KPI",
        "contract meetings": "contracts.ContractMeeting",
        "returns": "monitoring.MonitoringReturn",
        "notifications": "commissioning.Notification",
        "grant history rows": "grants.HistoricalGrant",
        "return history rows": "monitoring.HistoricalMonitoringReturn",
    }
    return {name: apps.get_model(label).objects.count() for name, label in labels.items()}
