"""``manage.py load_demo``: the outcome frameworks, returns in every state for the demo
grants and contracts, an overdue return, an underspend, evidence files, reminders sent
and two concerns; loaded once and only once."""

from __future__ import annotations

import datetime
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from commissioning.models import Notification, Role, User
from monitoring import funder
from monitoring.models import (
    Concern,
    Escalation,
    EvidenceFile,
    FunderReturn,
    MeasureTarget,
    MonitoringReturn,
    OutcomeFramework,
    Reminder,
    ReminderDelivery,
    ReturnSchedule,
    ReturnStatus,
    SubmissionOutcome,
    UnderspendFlag,
    UnderspendKind,
)
from monitoring.policies import return_policy

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_loaded")]


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """Load the demo once for this module, inside a transaction rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        yield
        transaction.set_rollback(True)


def table_counts() -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def never_submitted_overdue():
    return MonitoringReturn.objects.filter(
        status__in=(ReturnStatus.DUE, ReturnStatus.DRAFT), due_date__lt=timezone.localdate()
    )


# --- Reference data ------------------------------------------------------------------------


def test_the_victim_services_framework_feeds_the_moj_return():
    framework = OutcomeFramework.objects.get(name="Victim services")

    assert framework.funder_return == FunderReturn.MOJ_VICTIMS
    assert set(framework.programmes.values_list("code", flat=True)) == {
        "victim-services",
        "moj-idva",
        "moj-da-sv",
    }
    names = list(framework.measures.values_list("name", flat=True))
    assert names[:2] == ["Referrals received", "Victims supported"]
    assert "Victims reporting improved ability to cope and recover" in names
    assert "Victims reporting feeling safer" in names


def test_the_vru_framework_has_the_home_office_success_measures_for_under_25s():
    framework = OutcomeFramework.objects.get(name="Violence Reduction Unit")

    assert framework.funder_return == FunderReturn.HOME_OFFICE_VRU
    assert list(framework.programmes.values_list("code", flat=True)) == ["vru"]
    measures = {m.name: m for m in framework.measures.all()}
    success = [name for name in measures if "under 25" in name]
    assert len(success) == 3
    lower = [name.lower() for name in success]
    assert any("hospital admissions for assault with a knife or sharp object" in n for n in lower)
    assert any("knife-enabled serious violence" in n for n in lower)
    assert any("non-domestic homicides involving knives" in n for n in lower)
    assert all(measures[n].direction == "lower" for n in success)
    assert "Young people reached by interventions" in measures


def test_the_demo_agreements_report_their_programmes_measures_with_targets():
    vru = ReturnSchedule.objects.get(grant__title="VRU local spoke 2025/26: Bristol")
    idva = ReturnSchedule.objects.get(
        grant__title="MoJ IDVA allocation 2025/26: Safe Harbour Domestic Abuse Service"
    )
    adults = ReturnSchedule.objects.get(contract__title="Victim services — Adults Service")

    assert vru.framework.name == "Violence Reduction Unit"
    assert idva.framework.name == "Victim services"
    assert adults.framework.name == "Victim services"
    for schedule in (vru, idva):
        measures = schedule.framework.measures.count()
        assert MeasureTarget.objects.filter(schedule=schedule).count() == measures
    accepted = vru.returns.filter(status=ReturnStatus.ACCEPTED).first()
    assert accepted.outcome_results.filter(target__isnull=False).exists()


def test_every_live_demo_agreement_has_a_return_schedule():
    from contracts.models import Contract
    from grants.models import Grant, GrantStatus

    assert not Grant.objects.filter(
        status__in=(GrantStatus.ACTIVE, GrantStatus.CLOSED), return_schedule__isnull=True
    ).exists()
    assert not Contract.objects.filter(
        went_live_on__isnull=False, return_schedule__isnull=True
    ).exists()


# --- Returns in every state -----------------------------------------------------------------


def test_there_are_returns_in_every_state():
    statuses = set(MonitoringReturn.objects.values_list("status", flat=True))

    assert statuses == set(ReturnStatus.values)
    assert MonitoringReturn.objects.filter(status=ReturnStatus.ACCEPTED).count() >= 40
    # A year of returns: accepted returns for periods across the last twelve months.
    year_ago = timezone.localdate() - datetime.timedelta(days=365)
    assert (
        MonitoringReturn.objects.filter(
            status=ReturnStatus.ACCEPTED, period_end__gte=year_ago
        ).count()
        >= 20
    )


def test_exactly_one_return_is_overdue_and_never_started():
    [overdue] = never_submitted_overdue()

    assert overdue.status == ReturnStatus.DUE
    assert overdue.is_overdue and overdue.display_status == "Overdue"
    assert overdue.schedule.grant.title.startswith("Police and Crime Grant ")
    assert overdue.schedule.grant.title.endswith(": Somerset")
    # Every other return whose due date has passed was submitted.
    assert (
        not MonitoringReturn.objects.filter(
            status=ReturnStatus.DUE, due_date__lt=timezone.localdate()
        )
        .exclude(pk=overdue.pk)
        .exists()
    )


def test_the_demo_provider_sees_returns_due_in_progress_submitted_and_sent_back():
    provider = User.objects.get(email="provider@example.org")
    assert provider.role == Role.PROVIDER

    theirs = return_policy.visible_to(provider)
    statuses = set(theirs.values_list("status", flat=True))

    assert {
        ReturnStatus.DUE,
        ReturnStatus.DRAFT,
        ReturnStatus.SUBMITTED,
        ReturnStatus.CHANGES_REQUESTED,
    } <= statuses
    assert not theirs.exclude(organisation=provider.organisation).exists()
    draft = theirs.get(status=ReturnStatus.DRAFT)
    assert draft.actual_spend is not None and not draft.finance_complete
    sent_back = theirs.get(status=ReturnStatus.CHANGES_REQUESTED)
    [submission] = sent_back.submissions.all()
    assert submission.outcome == SubmissionOutcome.CHANGES_REQUESTED
    assert submission.submitted_by == provider
    assert "victims supported" in sent_back.review_comments


def test_a_resubmitted_return_keeps_its_first_submission():
    resubmitted = MonitoringReturn.objects.filter(submissions__number=2).distinct()

    assert resubmitted.exists()
    for monitoring_return in resubmitted:
        outcomes = list(
            monitoring_return.submissions.order_by("number").values_list("outcome", flat=True)
        )
        assert outcomes == [SubmissionOutcome.CHANGES_REQUESTED, SubmissionOutcome.ACCEPTED]


def test_submissions_are_dated_when_they_were_made_not_when_the_demo_ran():
    accepted = MonitoringReturn.objects.filter(status=ReturnStatus.ACCEPTED)

    for monitoring_return in accepted:
        submitted = timezone.localdate(monitoring_return.submitted_at)
        assert monitoring_return.period_end < submitted <= timezone.localdate()
        assert monitoring_return.reviewed_at >= monitoring_return.submitted_at


def test_one_return_shows_an_underspend_flag_still_open():
    flags = UnderspendFlag.objects.select_related("monitoring_return__schedule__contract")

    assert {f.monitoring_return_id for f in flags} == {flags[0].monitoring_return_id}
    assert {f.kind for f in flags} == {UnderspendKind.BELOW_PROFILE, UnderspendKind.REPORTED}
    assert all(f.resolved_at is None and f.amount > 0 for f in flags)
    monitoring_return = flags[0].monitoring_return
    assert monitoring_return.schedule.contract.title.endswith("Children and Young People Service")
    assert "vacant" in monitoring_return.underspend_explanation
    officer = monitoring_return.schedule.contract.responsible_officer
    assert Notification.objects.filter(recipient=officer, key__startswith="underspend:").exists()


def test_evidence_files_are_real_files_of_their_kind():
    files = list(EvidenceFile.objects.select_related("monitoring_return"))

    assert len(files) >= 5
    kinds = {f.original_name.rsplit(".", 1)[1] for f in files}
    assert kinds == {"pdf", "csv"}
    for evidence in files:
        with evidence.file.open("rb") as handle:
            content = handle.read()
        assert len(content) == evidence.size > 0
        if evidence.original_name.endswith(".pdf"):
            assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
        else:
            assert b"," in content.splitlines()[0]
    statuses = {f.monitoring_return.status for f in files}
    assert {ReturnStatus.SUBMITTED, ReturnStatus.CHANGES_REQUESTED, ReturnStatus.ACCEPTED} <= (
        statuses
    )


def test_reminders_were_sent_for_the_overdue_return_and_none_is_waiting_to_go():
    [overdue] = never_submitted_overdue()
    reminders = Reminder.objects.filter(monitoring_return=overdue)

    steps = {"due-in-14": -14, "due-in-3": -3, "due-today": 0, "overdue-7": 7}
    assert {r.key for r in reminders} == {
        f"return:{overdue.pk}:{step}"
        for step, days in steps.items()
        if overdue.due_date + datetime.timedelta(days=days) <= timezone.localdate()
    }
    assert reminders.filter(step="overdue-7").exists()
    for reminder in reminders:
        assert timezone.localdate(reminder.created_at) <= timezone.localdate()
        assert reminder.deliveries.exists()
    assert not ReminderDelivery.objects.filter(sent_at__isnull=True).exists()
    # The overdue copy reached the agreement's officer in the portal.
    officer = overdue.schedule.grant.responsible_officer
    assert Notification.objects.filter(
        recipient=officer, key=f"reminder:return:{overdue.pk}:overdue-7"
    ).exists()


def test_the_demos_notifications_are_never_emailed():
    assert not Notification.objects.filter(email_wanted=True, emailed_at__isnull=True).exists()


# --- Funder returns from the demo ------------------------------------------------------


def test_the_moj_and_vru_returns_for_last_year_have_figures():
    from commissioning.models import FundingStream

    moj = FundingStream.objects.get(reference="MOJ-VG-2025")
    vru = FundingStream.objects.get(reference="HO-VRU-2025")

    moj_q1 = funder.funder_return(stream=moj, quarter=1)
    vru_q1 = funder.funder_return(stream=vru, quarter=1)

    assert len(moj_q1.rows) >= 2
    assert moj_q1.totals.actual_spend > 0
    assert any(m.funder_code == "referrals" for m in moj_q1.measures)
    assert {r.title for r in vru_q1.rows} == {
        "VRU local spoke 2025/26: Bristol",
        "VRU local spoke 2025/26: Somerset",
    }
    assert any("under 25" in m.name for m in vru_q1.measures)


# --- Concerns --------------------------------------------------------------------------------


def test_two_concerns_one_escalated_to_the_pcc_with_managers_told():
    concerns = list(Concern.objects.all())

    assert len(concerns) == 2
    escalated = [c for c in concerns if c.escalated_to == Escalation.PCC]
    assert len(escalated) == 1
    assert escalated[0].closed_on is None
    closed = [c for c in concerns if c.closed_on]
    assert len(closed) == 1 and closed[0].outcome
    managers = User.objects.filter(role=Role.MANAGER)
    for manager in managers:
        keys = set(
            Notification.objects.filter(
                recipient=manager, key__startswith=f"concern-escalated:{escalated[0].pk}:"
            ).values_list("key", flat=True)
        )
        assert f"concern-escalated:{escalated[0].pk}:pcc" in keys


# --- Idempotent ---------------------------------------------------------------------------


def test_running_twice_changes_nothing():
    before = table_counts()

    output = load_demo()

    assert table_counts() == before
    assert "monitoring: created nothing" in output
    for label in [
        "monitoring.OutcomeFramework",
        "monitoring.MonitoringReturn",
        "monitoring.ReturnSubmission",
        "monitoring.EvidenceFile",
        "monitoring.Reminder",
        "monitoring.Concern",
    ]:
        assert before[label] > 0, label


def test_a_run_months_later_writes_nothing(monkeypatch):
    before = table_counts()
    later = timezone.localdate() + datetime.timedelta(days=120)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)

    load_demo()

    assert table_counts() == before
