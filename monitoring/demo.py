"""Demo monitoring: the outcome frameworks, and the returns of the demo grants and
contracts up to today, played through the services.

- The reference frameworks (``reference.ensure_reference_frameworks``): victim services
  for the MoJ victims grant return, and the Violence Reduction Unit's Home Office
  success measures. Demo schedules made before the frameworks existed are given theirs
  (the victim services contracts report the victim services measures too), and the
  grants' outcome measures get per-period targets.
- Every return whose period has ended is filled in, submitted and accepted, except:
  the latest past-due return of "Police and Crime Grant <latest year>: Somerset" is left
  unstarted (the overdue one, whose payment the grants demo holds back); the Adults
  Service's latest return is awaiting review; the Enhanced Adults Service's has changes
  requested and its current return is in progress (both Severn Vale Victim Support, the
  demo provider user's organisation); the Children and Young People Service reports an
  underspend (two caseworker posts vacant); one MoJ DA/SV return was sent back once and
  accepted on its second submission; and one Police and Crime Grant return is waiting
  for the office's review. Returns of the current period stay due.
- Evidence files (small PDFs and CSVs made here) on five returns.
- The reminders the daily sweep would have sent, made by ``reminders.sweep`` for the
  days they fell on and marked as sent.
- Two concerns: a complaint about the children's service escalated to the PCC, and a
  partner's concern about a VRU spoke, resolved and closed.

Registered at order 50. The returns are played only on the first run (when none of the
demo agreements' returns has been submitted), so a later run, even months later, writes
nothing; frameworks, targets and concerns are looked up by their natural keys.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone

from commissioning.dates import FinancialYear
from commissioning.demo import Log, Tally
from commissioning.models import Notification, User

from . import services
from .models import (
    Concern,
    ConcernKind,
    Escalation,
    MonitoringReturn,
    ReturnSchedule,
    ReturnStatus,
    ReturnSubmission,
)
from .reference import VICTIM_SERVICES, VIOLENCE_REDUCTION_UNIT, ensure_reference_frameworks

DAY = datetime.timedelta(days=1)
PENNY = Decimal("0.01")

USERS = {
    "officer": "officer@example.org",
    "manager": "manager@example.org",
    "provider": "provider@example.org",
}

ADULTS = "Victim services — Adults Service"
ENHANCED_ADULTS = "Victim services — Enhanced Adults Service"
CYP = "Victim services — Children and Young People Service"
VICTIM_CONTRACTS = (
    ADULTS,
    ENHANCED_ADULTS,
    CYP,
    "Victim services — Restorative Justice Service",
    "Victim services — Independent Sexual Violence Advisor Service",
)
#: The grant whose latest past-due return is never started (the overdue one).
OVERDUE_GRANT = "Police and Crime Grant {year}: Somerset"
#: A grant whose latest return waits for the office's review.
AWAITING_GRANT = "Police and Crime Grant {year}: Bristol"
#: Who at the council hears about the overdue return.
OVERDUE_CONTACT = ("Community safety team", "community.safety.somerset@example.org")
RESUBMITTED_GRANT = "MoJ DA/SV allocation 2025/26: Mendip and Avon Sexual Violence Support"
IDVA_GRANT = "MoJ IDVA allocation 2025/26: Safe Harbour Domestic Abuse Service"
VRU_BRISTOL = "VRU local spoke 2025/26: Bristol"
VRU_SOMERSET = "VRU local spoke 2025/26: Somerset"

# --- What the providers write ----------------------------------------------------------

NARRATIVES = {
    VICTIM_SERVICES: [
        (
            "Referrals from the Lighthouse Safeguarding Unit arrived faster after the new "
            "secure referral form went live; most victims were contacted within two days.",
            "Demand rose after the summer; two caseworkers were on long-term sick leave.",
            "“I didn’t know anyone could help until your worker rang. She made sense of "
            "the court letters for me.” (victim of burglary, by feedback form)",
            "Referrals from Black, Asian and minority ethnic communities were 14% of the "
            "total against 12% of the population; older victims are under-represented.",
        ),
        (
            "Outreach sessions in two GP surgeries reached victims who had not reported to "
            "the police.",
            "Court delays mean more victims need support for longer, so caseloads grew.",
            "Exit questionnaires: 92% would recommend the service to a friend.",
            "Interpreters used for 31 cases in 9 languages; a British Sign Language "
            "video explains the service.",
        ),
    ],
    VIOLENCE_REDUCTION_UNIT: [
        (
            "The school inclusion mentors worked with every secondary school in the area "
            "that asked; the hospital navigator saw young people in the emergency "
            "department on Friday and Saturday nights.",
            "Data from the emergency department arrives two months late, so the hospital "
            "figures for the last month are provisional.",
            "Young people asked for sessions after school rather than at weekends; the "
            "timetable changed in response.",
            "Boys were 78% of those reached; a girls' group starts next quarter.",
        ),
        (
            "Detached youth work covered the two neighbourhoods the needs assessment "
            "named, five evenings a week.",
            "Recruiting youth workers with the right experience took longer than planned.",
            "Parents' evening feedback: parents want to know how to talk about knives at "
            "home; a session for parents has been arranged.",
            "Young people from Black and mixed ethnic backgrounds were 29% of those "
            "reached, in line with the referrals.",
        ),
    ],
    "": [
        (
            "Delivered the activities in the agreed plan for the period, on budget.",
            "Partner capacity over the holiday period slowed two projects.",
            "Participants' comments were positive; no complaints received.",
            "Monitoring forms returned for 85% of participants.",
        ),
    ],
}

UNDERSPEND_EXPLANATION = (
    "Two caseworker posts have been vacant since the summer after two resignations. "
    "Interviews are booked; agency cover was not available for children's casework. "
    "We expect to fill both posts next quarter and forecast an underspend for the year."
)
CHANGES_REQUESTED = (
    "The victims supported figure is lower than the referrals and the caseworker hours "
    "suggest, and the evidence file covers a different quarter. Please check the figure "
    "against your case management system and attach this quarter's case data."
)
RESUBMITTED_COMMENTS = (
    "The spend figure did not match the invoice total in the evidence; please correct it."
)

# --- Evidence files --------------------------------------------------------------------


def _pdf_text(text: str) -> str:
    text = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return text.replace("—", "-").replace("’", "'")


def pdf_document(title: str, lines: list[str]) -> bytes:
    """A small, real one-page PDF with a title and lines of text."""
    ops = ["BT", "/F1 16 Tf", "72 770 Td", f"({_pdf_text(title)}) Tj", "/F1 11 Tf"]
    for line in lines:
        ops += ["0 -20 Td", f"({_pdf_text(line)}) Tj"]
    ops.append("ET")
    content = "\n".join(ops).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start_xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        start_xref,
    )
    return bytes(out)


def csv_document(rows: list[list]) -> bytes:
    return "".join(",".join(str(cell) for cell in row) + "\r\n" for row in rows).encode()


# --- Loading ---------------------------------------------------------------------------


def _money(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def _count(value: Decimal | float) -> Decimal:
    return Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)


class Loader:
    def __init__(self, log: Log) -> None:
        self.log = log
        self.tally = Tally()
        self.today = timezone.localdate()
        self.users = {key: User.objects.get(email__iexact=email) for key, email in USERS.items()}
        self.overdue: set[int] = set()

    # Which schedules are the demo's.

    def schedules(self):
        from contracts.demo import CONTRACTS
        from grants.demo import ALLOCATIONS, GRANTS

        grant_titles = Q(grant__title__in=[g.title for g in GRANTS])
        for allocation in ALLOCATIONS:
            grant_titles |= Q(grant__title__startswith=f"{allocation.title}: ")
        return (
            ReturnSchedule.objects.filter(
                grant_titles | Q(contract__title__in=[c.title for c in CONTRACTS])
            )
            .select_related("grant", "contract", "framework", "organisation")
            .order_by("pk")
        )

    # Reference data, schedules and targets (idempotent on every run).

    def frameworks(self) -> dict:
        from .models import OutcomeFramework

        before = set(OutcomeFramework.objects.values_list("name", flat=True))
        frameworks = ensure_reference_frameworks()
        for name in frameworks:
            self.tally.add("outcome frameworks", name not in before)
        return frameworks

    def ensure_schedules(self) -> None:
        """Every demo grant that became active and every contract that went live has a
        schedule (schedule_sync makes one when the hook did not run)."""
        from contracts.models import Contract
        from grants.models import Grant, GrantStatus

        grants = Grant.objects.filter(
            status__in=(GrantStatus.ACTIVE, GrantStatus.CLOSED), return_schedule__isnull=True
        ).exclude(start_date__gt=self.today)
        contracts = Contract.objects.filter(
            went_live_on__isnull=False, return_schedule__isnull=True
        )
        for agreement in [*grants, *contracts]:
            self.tally.add("return schedules", True)
            services.schedule_sync(agreement=agreement, by=None)

    def attach_frameworks(self, frameworks: dict) -> None:
        from .models import OutcomeFramework

        for schedule in self.schedules().filter(framework__isnull=True):
            framework = None
            if schedule.grant_id:
                framework = (
                    OutcomeFramework.objects.filter(programmes=schedule.grant.programme_id)
                    .order_by("pk")
                    .first()
                )
            elif schedule.contract.title in VICTIM_CONTRACTS:
                framework = frameworks[VICTIM_SERVICES]
            if framework is not None:
                self.tally.add("schedules given their outcome measures", True)
                services.schedule_update(
                    schedule=schedule, by=None, due_days=schedule.due_days, framework=framework
                )

    def targets(self) -> None:
        """Per-period targets for the grants' outcome measures, from the grant's money."""
        for schedule in self.schedules().filter(grant__isnull=False, framework__isnull=False):
            have = set(schedule.targets.values_list("measure_id", flat=True))
            quarter = schedule.grant.amount / 4
            for measure in schedule.framework.measures.filter(is_active=True):
                if measure.pk in have:
                    continue
                target = self.target_for(schedule.framework.name, measure, quarter)
                if target is None:
                    continue
                self.tally.add("targets", True)
                services.target_set(schedule=schedule, by=None, measure=measure, target=target)

    @staticmethod
    def target_for(framework: str, measure, quarter: Decimal) -> Decimal | None:
        code = measure.funder_code
        if framework == VICTIM_SERVICES:
            referrals = quarter / 250
            share = {
                "referrals": 1,
                "victims_supported": Decimal("0.7"),
                "outcome_cope_recover": Decimal("0.28"),
                "outcome_feel_safer": Decimal("0.25"),
                "outcome_health_wellbeing": Decimal("0.22"),
                "outcome_informed_cjs": Decimal("0.22"),
            }.get(code)
            return None if share is None else _count(referrals * share)
        if framework == VIOLENCE_REDUCTION_UNIT:
            reached = quarter / 160
            return {
                "output_young_people_reached": _count(reached),
                "output_young_people_completed": _count(reached * Decimal("0.65")),
                "ho_hospital_admissions_sharp_object_u25": Decimal(10),
                "ho_knife_enabled_serious_violence_u25": Decimal(45),
                "ho_non_domestic_knife_homicides_u25": Decimal(0),
            }.get(code)
        return None

    # Returns, played once.

    def already_played(self, schedules) -> bool:
        return ReturnSubmission.objects.filter(monitoring_return__schedule__in=schedules).exists()

    def run(self) -> None:
        frameworks = self.frameworks()
        self.ensure_schedules()
        self.attach_frameworks(frameworks)
        self.targets()
        schedules = list(self.schedules())
        last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True)
        last_notification = last_notification.first() or 0
        if not self.already_played(schedules):
            self.play(schedules)
            self.reminders()
        self.concerns()
        self.quiet_notifications(last_notification)
        self.log(self.tally.summary())

    def story(self, schedules) -> dict[int, str]:
        """What happens to each ended return that is not simply accepted: return id ->
        "overdue", "submitted", "changes", "underspend", "resubmitted" or "draft"."""
        labels = sorted(
            {
                FinancialYear(s.grant.start_date.year).label
                for s in schedules
                if s.grant_id and s.grant.title.startswith("Police and Crime Grant ")
            },
            reverse=True,
        )
        by_title = {s.agreement.title: s for s in schedules}
        plan: dict[int, str] = {}

        def latest(title: str, *, past_due: bool = False, offset: int = 0):
            schedule = by_title.get(title)
            if schedule is None:
                return None
            ended = [
                r
                for r in schedule.returns.order_by("period_start")
                if r.period_end < self.today and (not past_due or r.due_date < self.today)
            ]
            return ended[-1 - offset] if len(ended) > offset else None

        def current(title: str):
            schedule = by_title.get(title)
            if schedule is None:
                return None
            return schedule.returns.filter(
                period_start__lte=self.today, period_end__gte=self.today
            ).first()

        # The overdue one: the latest Police and Crime Grant to Somerset with a return
        # past its due date.
        for label in labels:
            found = latest(OVERDUE_GRANT.format(year=label), past_due=True)
            if found is not None:
                plan[found.pk] = "overdue"
                break
        for title, what, offset in [
            (AWAITING_GRANT.format(year=labels[0] if labels else ""), "submitted", 0),
            (ADULTS, "submitted", 0),
            (ENHANCED_ADULTS, "changes", 0),
            (CYP, "underspend", 0),
            (RESUBMITTED_GRANT, "resubmitted", 1),
        ]:
            found = latest(title, offset=offset)
            if found is not None:
                plan[found.pk] = what
        draft = current(ENHANCED_ADULTS)
        if draft is not None:
            plan[draft.pk] = "draft"
        return plan

    def play(self, schedules) -> None:
        plan = self.story(schedules)
        self.overdue = {pk for pk, what in plan.items() if what == "overdue"}
        overdue_schedules = set(
            MonitoringReturn.objects.filter(pk__in=self.overdue).values_list(
                "schedule_id", flat=True
            )
        )
        for schedule in schedules:
            returns = list(schedule.returns.order_by("period_start"))
            left_due = False
            for index, monitoring_return in enumerate(returns):
                what = plan.get(monitoring_return.pk)
                if what == "overdue":
                    left_due = True  # this return and the ones after it are not started
                if left_due and schedule.pk in overdue_schedules:
                    continue
                if what == "draft":
                    self.draft(monitoring_return)
                elif monitoring_return.period_end < self.today:
                    self.fill(schedule, monitoring_return, index, what or "accepted")
        self.backdate(schedules)

    # One return's life.

    def entered_by(self, schedule) -> User:
        """Severn Vale's returns are entered by its provider user; the rest by the
        agreement's officer from the return the organisation emailed in."""
        provider = self.users["provider"]
        if schedule.organisation_id == provider.organisation_id:
            return provider
        return schedule.agreement.responsible_officer or self.users["officer"]

    def reviewer(self, schedule) -> User:
        if schedule.organisation_id == self.users["provider"].organisation_id:
            return schedule.agreement.responsible_officer or self.users["manager"]
        return self.users["manager"]

    def fill(self, schedule, monitoring_return, index: int, what: str) -> None:
        by = self.entered_by(schedule)
        budget = monitoring_return.budget or Decimal(0)
        factor = Decimal(1) - Decimal("0.02") * (index % 3)
        forecast = monitoring_return.year_budget
        explanation = ""
        if what == "underspend":
            factor = Decimal("0.78")
            forecast = _money(monitoring_return.year_budget * Decimal("0.9"))
            explanation = UNDERSPEND_EXPLANATION
        spend = _money(budget * factor)
        if what == "resubmitted":
            spend = _money(budget * Decimal("1.3"))  # the mistake the officer spots
        current = services.return_save_finance(
            monitoring_return=monitoring_return,
            by=by,
            version=None,
            complete=True,
            budget=budget,
            actual_spend=spend,
            forecast_year_end=forecast,
            underspend_explanation=explanation,
        )
        self.figures(schedule, current, index, by, shortfall=what == "underspend")
        framework = schedule.framework.name if schedule.framework_id else ""
        texts = NARRATIVES.get(framework, NARRATIVES[""])
        went_well, challenges, feedback, equality = texts[index % len(texts)]
        if what == "underspend":
            challenges = UNDERSPEND_EXPLANATION
        services.return_save_narrative(
            monitoring_return=current,
            by=by,
            version=None,
            complete=True,
            went_well=went_well,
            challenges=challenges,
            service_user_feedback=feedback,
            equality_monitoring=equality,
        )
        self.evidence(schedule, current, by, what)
        services.return_mark_evidence(monitoring_return=current, by=by, version=None, complete=True)
        self.tally.add("returns submitted", True)
        services.return_submit(monitoring_return=current, by=by)
        reviewer = self.reviewer(schedule)
        if what == "submitted":
            return
        if what in ("changes", "resubmitted"):
            comments = CHANGES_REQUESTED if what == "changes" else RESUBMITTED_COMMENTS
            services.return_request_changes(
                monitoring_return=current, by=reviewer, comments=comments
            )
            if what == "changes":
                return
            services.return_save_finance(
                monitoring_return=current,
                by=by,
                version=None,
                complete=True,
                actual_spend=_money(budget * Decimal("0.99")),
            )
            services.return_submit(monitoring_return=current, by=by)
        services.return_accept(
            monitoring_return=current,
            by=reviewer,
            comments="Underspend noted: we will discuss the recruitment plan at the next "
            "contract meeting."
            if what == "underspend"
            else "",
        )

    def figures(self, schedule, monitoring_return, index: int, by, *, shortfall: bool) -> None:
        from contracts.models import KPIDirection

        wobble = Decimal(index % 3 - 1)  # -1, 0, 1
        kpis = services.kpis_for(monitoring_return)
        if kpis:
            actuals = {}
            for kpi in kpis:
                if kpi.direction == KPIDirection.LOWER:
                    actual = kpi.target - 1 + wobble + (6 if shortfall else 0)
                else:
                    actual = min(kpi.target + wobble - (12 if shortfall else 0), Decimal(100))
                note = "Below target: see the underspend explanation." if shortfall else ""
                actuals[kpi.pk] = (max(actual, Decimal(0)), note)
            services.return_save_kpis(
                monitoring_return=monitoring_return,
                by=by,
                version=None,
                complete=True,
                actuals=actuals,
            )
        measures = services.measures_for(monitoring_return)
        if measures:
            quarter = (monitoring_return.budget or Decimal(0)) * (
                Decimal("0.8") if shortfall else 1
            )
            values = {m.pk: (self.value_for(schedule, m, quarter, index), "") for m in measures}
            services.return_save_outcomes(
                monitoring_return=monitoring_return,
                by=by,
                version=None,
                complete=True,
                values=values,
            )

    @staticmethod
    def value_for(schedule, measure, quarter: Decimal, index: int) -> Decimal:
        code, wobble = measure.funder_code, Decimal(1) + Decimal("0.03") * (index % 4 - 1)
        bristol = schedule.grant_id and "Bristol" in schedule.grant.title
        fixed = {
            "ho_hospital_admissions_sharp_object_u25": (11 if bristol else 6) - index % 3,
            "ho_knife_enabled_serious_violence_u25": (48 if bristol else 23) - 2 * (index % 4),
            "ho_non_domestic_knife_homicides_u25": 1 if bristol and index % 4 == 1 else 0,
        }
        if code in fixed:
            return Decimal(fixed[code])
        base = {
            "referrals": quarter / 240,
            "victims_supported": quarter / 240 * Decimal("0.74"),
            "outcome_cope_recover": quarter / 240 * Decimal("0.3"),
            "outcome_feel_safer": quarter / 240 * Decimal("0.27"),
            "outcome_health_wellbeing": quarter / 240 * Decimal("0.24"),
            "outcome_informed_cjs": quarter / 240 * Decimal("0.23"),
            "output_young_people_reached": quarter / 150,
            "output_young_people_completed": quarter / 150 * Decimal("0.68"),
        }.get(code, Decimal(20))
        return _count(base * wobble)

    def evidence(self, schedule, monitoring_return, by, what: str) -> None:
        title = schedule.agreement.title
        period = monitoring_return.period_label
        files = []
        if what == "submitted" and title == ADULTS:
            files.append(
                (
                    "adults-service-performance-report.pdf",
                    pdf_document(
                        f"Adults Service: performance report, {period}",
                        [
                            "Severn Vale Victim Support",
                            f"Spend in the period: {monitoring_return.actual_spend}",
                            "Contact within two working days: see the KPI table.",
                            "Prepared by the service manager for the OPCC.",
                        ],
                    ),
                    "Quarterly performance report",
                )
            )
        elif what == "changes":
            files.append(
                (
                    "enhanced-adults-case-data.csv",
                    csv_document(
                        [
                            ["month", "referrals", "victims_supported", "cases_closed"],
                            ["month 1", 118, 86, 40],
                            ["month 2", 124, 90, 44],
                            ["month 3", 131, 95, 47],
                        ]
                    ),
                    "Case management system extract",
                )
            )
        elif what == "underspend":
            files.append(
                (
                    "cyp-staffing-and-spend.pdf",
                    pdf_document(
                        f"Children and Young People Service: staffing and spend, {period}",
                        [
                            "Young Voices Avon and Somerset",
                            "Two caseworker posts vacant (1.0 FTE each) since the summer.",
                            f"Budget for the period: {monitoring_return.budget}",
                            f"Actual spend: {monitoring_return.actual_spend}",
                        ],
                    ),
                    "Staffing and spend statement",
                )
            )
        elif what == "accepted" and title == IDVA_GRANT and period.startswith("Quarter 4"):
            files.append(
                (
                    "idva-caseload-year-end.csv",
                    csv_document(
                        [
                            ["post", "area", "caseload_at_quarter_end", "high_risk_cases"],
                            ["IDVA 1", "Bristol", 38, 21],
                            ["IDVA 2", "Bristol", 35, 19],
                            ["IDVA 3", "Somerset", 31, 14],
                            ["IDVA 4 (OPCC-funded)", "North Somerset", 27, 12],
                        ]
                    ),
                    "IDVA caseloads at the end of the year",
                )
            )
        elif what == "accepted" and title == VRU_BRISTOL and period.startswith("Quarter 4"):
            files.append(
                (
                    "bristol-vru-claim.pdf",
                    pdf_document(
                        f"Bristol VRU spoke: claim and evidence of spend, {period}",
                        [
                            "Bristol City Council",
                            f"Claimed for the period: {monitoring_return.actual_spend}",
                            "Invoices from the three commissioned interventions attached.",
                        ],
                    ),
                    "Quarterly claim with evidence of spend",
                )
            )
        for name, content, description in files:
            self.tally.add("evidence files", True)
            services.evidence_add(
                monitoring_return=monitoring_return,
                by=by,
                upload=SimpleUploadedFile(name, content),
                description=description,
            )

    def draft(self, monitoring_return) -> None:
        """The provider has started this return: the finance figures so far, not yet
        marked complete."""
        self.tally.add("returns in progress", True)
        budget = monitoring_return.budget or Decimal(0)
        services.return_save_finance(
            monitoring_return=monitoring_return,
            by=self.users["provider"],
            version=None,
            complete=False,
            budget=budget,
            actual_spend=_money(budget * Decimal("0.6")),
        )

    def backdate(self, schedules) -> None:
        """Submissions and reviews happened when the returns were due, not today: move
        their times back (a demo's cosmetics; the services stamp them with now)."""
        now = timezone.now()
        returns = MonitoringReturn.objects.filter(
            schedule__in=schedules, submitted_at__isnull=False
        ).prefetch_related("submissions")
        for monitoring_return in returns:
            base = timezone.make_aware(
                datetime.datetime.combine(monitoring_return.period_end, datetime.time(10))
            )
            submissions = sorted(monitoring_return.submissions.all(), key=lambda s: s.number)
            last_submitted = last_reviewed = None
            for number, submission in enumerate(submissions):
                submitted = min(base + datetime.timedelta(days=18 + 9 * number), now)
                reviewed = (
                    min(submitted + datetime.timedelta(days=6), now)
                    if submission.reviewed_at
                    else None
                )
                ReturnSubmission.objects.filter(pk=submission.pk).update(
                    submitted_at=submitted, reviewed_at=reviewed
                )
                last_submitted, last_reviewed = submitted, reviewed
            MonitoringReturn.objects.filter(pk=monitoring_return.pk).update(
                submitted_at=last_submitted,
                reviewed_at=last_reviewed if monitoring_return.reviewed_at else None,
            )

    # Reminders and notifications.

    def reminders(self) -> None:
        """The reminders the daily sweep sent on the days they fell due, as sent. The
        council that owes the overdue return is given a contact to send them to."""
        from commissioning.models import OrganisationContact
        from commissioning.services import contact_create

        from . import reminders
        from .models import OUTSTANDING_STATUSES, Reminder, ReminderDelivery

        overdue = MonitoringReturn.objects.filter(pk__in=self.overdue).select_related(
            "organisation"
        )
        for organisation in {r.organisation for r in overdue}:
            name, email = OVERDUE_CONTACT
            if not OrganisationContact.objects.filter(
                organisation=organisation, email__iexact=email
            ).exists():
                self.tally.add("contacts", True)
                contact_create(
                    organisation=organisation,
                    by=None,
                    name=name,
                    job_title="Community Safety Partnership manager",
                    email=email,
                    is_primary=True,
                )

        days = set()
        for due in MonitoringReturn.objects.filter(status__in=OUTSTANDING_STATUSES).values_list(
            "due_date", flat=True
        ):
            for offset in (-14, -3, 0, 7):
                day = due + datetime.timedelta(days=offset)
                if day <= self.today:
                    days.add(day)
        for day in sorted(days):
            made = reminders.sweep(today=day).made
            sent = timezone.make_aware(datetime.datetime.combine(day, datetime.time(7, 30)))
            Reminder.objects.filter(key__in=made).update(created_at=sent)
            ReminderDelivery.objects.filter(reminder__key__in=made).update(
                claimed_at=sent, sent_at=sent
            )
            for _ in made:
                self.tally.add("reminders sent", True)

    def quiet_notifications(self, after: int) -> None:
        """The demo's notifications are history: shown in the portal, never emailed.
        Those about returns accepted long ago are marked as read."""
        new = Notification.objects.filter(pk__gt=after)
        new.filter(email_wanted=True, emailed_at__isnull=True).update(email_wanted=False)
        accepted = set(
            MonitoringReturn.objects.filter(status=ReturnStatus.ACCEPTED).values_list(
                "pk", flat=True
            )
        )
        read = []
        for pk, key in new.filter(read_at__isnull=True).values_list("pk", "key"):
            kind, _, rest = key.partition(":")
            record = rest.split(":")[0]
            if (
                kind in ("return-submitted", "return-accepted", "return-changes")
                and record.isdigit()
                and int(record) in accepted
            ):
                read.append(pk)
        Notification.objects.filter(pk__in=read).update(read_at=timezone.now())

    # Concerns.

    def concerns(self) -> None:
        from contracts.models import Contract
        from grants.models import Grant

        officer = self.users["officer"]
        children = Contract.objects.filter(title=CYP).first()
        if children is not None:
            concern = self.concern(
                children,
                kind=ConcernKind.COMPLAINT,
                received_on=self.today - 45 * DAY,
                raised_by="Parent of a young person using the service",
                summary="A parent complained that their child waited eleven weeks for a "
                "first appointment after a referral from school, and that nobody explained "
                "the wait or offered anything in the meantime.",
            )
            if concern is not None:
                concern = services.concern_update(
                    concern=concern,
                    by=officer,
                    escalated_to=Escalation.MANAGER,
                    escalated_on=self.today - 40 * DAY,
                )
                services.concern_update(
                    concern=concern,
                    by=self.users["manager"],
                    escalated_to=Escalation.PCC,
                    escalated_on=self.today - 33 * DAY,
                )
        spoke = Grant.objects.filter(title=VRU_SOMERSET).first()
        if spoke is not None:
            self.concern(
                spoke,
                kind=ConcernKind.CONCERN,
                received_on=self.today - 150 * DAY,
                raised_by="Somerset Community Safety Partnership",
                summary="Partners raised that the spoke's detached youth work was not "
                "reaching young people in West Somerset, where two knife incidents had "
                "been reported.",
                outcome="The spoke added two evening sessions a week in Minehead and "
                "Watchet, starting within a month; the partnership agreed this at its "
                "next meeting.",
                closed_on=self.today - 110 * DAY,
            )

    def concern(self, agreement, **fields) -> Concern | None:
        """Record a concern unless it is there (by its agreement and summary); returns
        the new concern, or None when it was there already."""
        field = "grant" if agreement._meta.model_name == "grant" else "contract"
        exists = Concern.objects.filter(**{field: agreement}, summary=fields["summary"]).exists()
        self.tally.add("concerns", not exists)
        if exists:
            return None
        return services.concern_record(agreement=agreement, by=self.users["officer"], **fields)


def load_monitoring(log: Log) -> None:
    """Outcome frameworks, a year and more of returns in every state, evidence files,
    reminders sent and two concerns."""
    Loader(log).run()
