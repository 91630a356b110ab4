"""The audit log: sign-ins, failed sign-ins, lock-outs, refusals and every state change
of decisions, grants, contracts and returns, with who, when (UTC) and from where; a
read-only admin page; retention; and history kept for bulk changes."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.writer import client_ip, prune
from commissioning.audit import record
from commissioning.models import Role
from contracts import services as contract_services
from contracts.models import ContractMeeting
from decisions import services as decision_services
from decisions.models import Answer, AssessmentStatus
from grants import services as grant_services
from grants.models import GrantStatus, Payment, PaymentStatus
from tests.factories import (
    DEFAULT_PASSWORD,
    ContractFactory,
    DecisionAssessmentFactory,
    GrantFactory,
    UserFactory,
    complete_answers,
)

pytestmark = pytest.mark.django_db


def events(name: str):
    return AuditEvent.objects.filter(event=name).order_by("at", "pk")


# --- Signing in ---------------------------------------------------------------------------


def test_sign_in_is_recorded_with_who_when_and_where():
    user = UserFactory(email="olive@example.org")
    client = Client(REMOTE_ADDR="203.0.113.9")
    before = timezone.now()

    response = client.post(
        reverse("login"), {"username": "olive@example.org", "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 302
    event = events("auth.sign_in").get()
    assert event.user == user
    assert event.user_label == "olive@example.org"
    assert event.ip_address == "203.0.113.9"
    assert before <= event.at <= timezone.now()
    assert event.at.utcoffset() == datetime.timedelta(0)  # stored and read in UTC


def test_failed_sign_in_is_recorded_with_the_address_typed_and_no_password():
    UserFactory(email="olive@example.org")
    client = Client(REMOTE_ADDR="203.0.113.10")

    client.post(reverse("login"), {"username": "olive@example.org", "password": "wrong-guess-1"})
    client.post(reverse("login"), {"username": "nobody@example.org", "password": "wrong-guess-2"})

    failed = list(events("auth.sign_in_failed"))
    assert [e.user_label for e in failed] == ["olive@example.org", "nobody@example.org"]
    assert failed[0].user is not None and failed[1].user is None
    assert all(e.ip_address == "203.0.113.10" for e in failed)
    assert "wrong-guess" not in str([e.details for e in failed])


def test_lock_out_is_recorded(settings):
    UserFactory(email="olive@example.org")
    client = Client(REMOTE_ADDR="203.0.113.11")
    for attempt in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post(
            reverse("login"), {"username": "olive@example.org", "password": f"wrong-{attempt}"}
        )

    locked = events("auth.locked_out").first()
    assert locked is not None
    assert locked.user_label == "olive@example.org"
    assert locked.ip_address == "203.0.113.11"


def test_sign_out_is_recorded():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    client.post(reverse("logout"))
    assert events("auth.sign_out").get().user == user


# --- Where from -----------------------------------------------------------------------------


def _request(rf, **meta):
    return rf.get("/", **meta)


def test_forwarded_address_is_ignored_unless_a_proxy_is_trusted(rf, settings):
    request = _request(rf, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    settings.AUDIT_TRUSTED_PROXIES = 0
    assert client_ip(request) == "10.0.0.2"


def test_behind_one_trusted_proxy_the_address_it_saw_is_used(rf, settings):
    settings.AUDIT_TRUSTED_PROXIES = 1
    # The client wrote "1.2.3.4" itself; our proxy appended the address it really saw.
    request = _request(rf, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert client_ip(request) == "198.51.100.7"
    garbage = _request(rf, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_ip(garbage) == "10.0.0.2"


# --- Refusals ---------------------------------------------------------------------------------


def test_a_refused_page_is_recorded_and_still_refused():
    viewer = UserFactory(role=Role.VIEWER)
    client = Client(REMOTE_ADDR="203.0.113.12")
    client.force_login(viewer)

    response = client.post(reverse("grant-create"))

    assert response.status_code == 403
    refused = events("access.refused").get()
    assert refused.user == viewer
    assert refused.ip_address == "203.0.113.12"
    assert refused.method == "POST"
    assert refused.path == reverse("grant-create")
    assert refused.details["answered"] == 403
    assert refused.details["role"] == Role.VIEWER


def test_a_provider_refused_another_bodys_record_is_recorded_as_404():
    provider = UserFactory(role=Role.PROVIDER)
    assessment = DecisionAssessmentFactory()
    client = Client()
    client.force_login(provider)

    response = client.get(reverse("assessment-detail", args=[assessment.pk]))

    assert response.status_code == 404
    refused = events("access.refused").get()
    assert refused.user == provider
    assert refused.details["answered"] == 404
    assert refused.details["url_kwargs"] == {"pk": str(assessment.pk)}


# --- State changes ----------------------------------------------------------------------------


def test_every_assessment_transition_is_recorded(django_capture_on_commit_callbacks):
    officer = UserFactory(role=Role.OFFICER)
    manager = UserFactory(role=Role.MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        assessment = DecisionAssessmentFactory(author=officer)
    complete_answers(assessment)
    decision_services.assessment_submit(assessment=assessment, by=officer)
    decision_services.assessment_decide(
        assessment=assessment, by=manager, outcome=AssessmentStatus.APPROVED, reason="Fits."
    )

    created = events("assessment.created").get()
    assert created.target_label.startswith(assessment.reference)  # the final reference
    assert created.user == officer
    changes = [
        (e.user, e.details["from"], e.details["to"]) for e in events("assessment.status_changed")
    ]
    assert changes == [(officer, "draft", "submitted"), (manager, "submitted", "approved")]
    assert all(
        e.target_type == "decisions.DecisionAssessment" and e.target_id == str(assessment.pk)
        for e in AuditEvent.objects.filter(event__startswith="assessment.")
    )


def test_saving_a_draft_without_changing_its_status_is_not_a_state_change():
    assessment = DecisionAssessmentFactory()
    decision_services.assessment_update(assessment=assessment, by=assessment.author, summary="X")
    assert not events("assessment.status_changed").exists()


def test_grant_status_changes_are_recorded():
    grant = GrantFactory(status=GrantStatus.AWARDED)
    officer = UserFactory(role=Role.OFFICER)
    grant_services.grant_activate(grant=grant, by=officer)
    grant_services.grant_close(grant=grant, by=officer)

    changes = [(e.details["from"], e.details["to"]) for e in events("grant.status_changed")]
    assert changes == [("awarded", "active"), ("active", "closed")]


def test_contract_creation_go_live_variation_extension_and_termination_are_recorded(
    django_capture_on_commit_callbacks,
):
    officer = UserFactory(role=Role.OFFICER)
    with django_capture_on_commit_callbacks(execute=True):
        contract = ContractFactory()
    contract_services.contract_go_live(
        contract=contract, by=officer, went_live_on=datetime.date(2025, 4, 1)
    )
    contract_services.variation_record(
        contract=contract,
        by=officer,
        description="Evening service",
        value_effect=1000,
        effective_on=datetime.date(2025, 9, 1),
    )
    option = contract_services.extension_option_add(contract=contract, by=officer, months=12)
    contract_services.extension_exercise(option=option, by=officer, on=datetime.date(2027, 1, 1))
    contract_services.contract_terminate(
        contract=contract,
        by=officer,
        terminated_on=datetime.date(2028, 6, 30),
        reason="Provider closed",
        clause="",
    )

    created = events("contract.created").get()
    assert created.target_label == str(contract)
    names = list(
        AuditEvent.objects.filter(event__startswith="contract.")
        .order_by("at", "pk")
        .values_list("event", flat=True)
    )
    assert names[-4:] == [
        "contract.went_live",
        "contract.varied",
        "contract.extended",
        "contract.terminated",
    ]
    varied = events("contract.varied").get()
    assert varied.target_type == "contracts.Contract"
    assert varied.target_id == str(contract.pk)
    assert varied.user == officer


def test_who_and_where_come_from_the_request_for_changes_made_through_pages():
    manager = UserFactory(role=Role.MANAGER)
    grant = GrantFactory(status=GrantStatus.AWARDED)
    client = Client(REMOTE_ADDR="203.0.113.20")
    client.force_login(manager)

    response = client.post(reverse("grant-activate", args=[grant.pk]), {})

    assert response.status_code == 302
    change = events("grant.status_changed").get()
    assert change.user == manager
    assert change.ip_address == "203.0.113.20"


# --- Not editable; the admin page ----------------------------------------------------------


def test_an_audit_event_cannot_be_changed():
    event = record("test.event", note="first")
    event.details = {"note": "changed"}
    with pytest.raises(ValueError, match="never changed"):
        event.save()


def test_admin_page_searches_and_filters_but_cannot_change(client):
    admin = UserFactory(role=Role.ADMIN)
    record("grant.status_changed", user=admin, target=GrantFactory(title="Findable grant"))
    record("auth.sign_in", user=admin)
    client.force_login(admin)
    url = reverse("admin:audit_auditevent_changelist")

    listing = client.get(url, {"q": "Findable"})
    filtered = client.get(url, {"event": "auth.sign_in"})

    assert listing.status_code == 200
    assert [e.event for e in listing.context["cl"].result_list] == ["grant.status_changed"]
    assert {e.event for e in filtered.context["cl"].result_list} == {"auth.sign_in"}
    assert "When (UTC)" in listing.content.decode()
    event = AuditEvent.objects.first()
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert client.get(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
    assert (
        client.post(
            reverse("admin:audit_auditevent_change", args=[event.pk]), {"event": "x"}
        ).status_code
        == 403
    )
    assert AuditEvent.objects.filter(event="x").count() == 0


def test_office_staff_who_are_not_administrators_cannot_open_the_audit_log(client):
    client.force_login(UserFactory(role=Role.MANAGER))
    response = client.get(reverse("admin:audit_auditevent_changelist"))
    assert response.status_code == 302  # to the admin sign-in


# --- Retention ----------------------------------------------------------------------------------


def test_events_older_than_the_retention_period_are_deleted(settings):
    settings.AUDIT_RETENTION_DAYS = 730
    now = timezone.now()
    old = record("test.old", at=now - datetime.timedelta(days=731))
    kept = record("test.kept", at=now - datetime.timedelta(days=729))

    assert prune(now=now) == 1

    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    assert events("audit.pruned").get().details["deleted"] == 1


def test_the_command_and_the_beat_task_prune(settings):
    from audit.tasks import prune_events

    now = timezone.now()
    record("test.old", at=now - datetime.timedelta(days=40))
    out = StringIO()
    call_command("prune_audit_log", "--days", "30", stdout=out)
    assert "Deleted 1 audit events older than 30 days" in out.getvalue()

    settings.AUDIT_RETENTION_DAYS = 10
    record("test.old", at=now - datetime.timedelta(days=11))
    assert prune_events.delay().get() == 1
    assert settings.CELERY_BEAT_SCHEDULE["prune-audit-log"]["task"] == "audit.prune_events"


# --- History of bulk changes ---------------------------------------------------------


def test_bulk_made_and_bulk_changed_rows_keep_their_history():
    officer = UserFactory(role=Role.OFFICER)
    assessment = DecisionAssessmentFactory(author=officer)
    assert Answer.history.filter(assessment_id=assessment.pk, history_type="+").count() == 6
    assert set(
        Answer.history.filter(assessment_id=assessment.pk).values_list("history_user", flat=True)
    ) == {officer.pk}

    contract = ContractFactory()
    assert ContractMeeting.history.filter(contract_id=contract.pk).count() == (
        contract.meetings.count()
    )

    grant = GrantFactory()
    grant_services.schedule_generate(grant=grant, by=officer)
    grant_services.grant_withdraw(grant=grant, by=officer, reason="No longer needed")
    cancelled = Payment.history.filter(
        grant_id=grant.pk, status=PaymentStatus.CANCELLED, history_user=officer
    )
    assert cancelled.count() == grant.payments.count() > 0
