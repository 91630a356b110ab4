"""A provider's return, end to end through the client: they see it due on their
dashboard and in their list, fill it in over two visits (the draft is kept), upload
evidence, check their answers and submit; afterwards it is read-only for them."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from grants.models import Programme
from monitoring.models import (
    OutcomeFramework,
    OutcomeMeasure,
    OutcomeResult,
    ReturnStatus,
    ReturnSubmission,
)
from tests.monitoring.factories import PDF_BYTES, active_grant

pytestmark = pytest.mark.django_db


# --- Helpers shared by the return-page tests ----------------------------------------------


def text_of(response) -> str:
    """The page's text with tags stripped and spaces squeezed, as a reader sees it."""
    content = response.content.decode()
    content = re.sub(r"<script.*?</script>", " ", content, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", content))).strip()


def victim_services_framework() -> tuple[OutcomeFramework, list[OutcomeMeasure]]:
    """The police and crime grant's outcome measures: referrals and victims supported."""
    framework = OutcomeFramework.objects.create(name="Victim services outcomes")
    framework.programmes.add(Programme.objects.get(code="police-and-crime-grant"))
    measures = [
        OutcomeMeasure.objects.create(
            framework=framework, name="Referrals received", unit="referrals", order=1
        ),
        OutcomeMeasure.objects.create(
            framework=framework, name="Victims supported", unit="people", order=2
        ),
    ]
    return framework, measures


def first_return(grant):
    return grant.return_schedule.returns.order_by("due_date").first()


def url(name: str, monitoring_return, *args) -> str:
    return reverse(name, args=[monitoring_return.pk, *args])


def finance_post(monitoring_return, complete="no", **values) -> dict:
    monitoring_return.refresh_from_db()
    data = {
        "budget": str(monitoring_return.budget or ""),
        "actual_spend": "",
        "forecast_year_end": "",
        "underspend_explanation": "",
        "complete": complete,
        "version": monitoring_return.version,
    }
    data.update(values)
    return data


def pdf(name="invoices.pdf", content=PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- The journey --------------------------------------------------------------------------


def test_provider_fills_in_and_submits_a_return_over_two_visits(provider, officer):
    _, (referrals, supported) = victim_services_framework()
    grant = active_grant(recipient=provider.organisation, responsible_officer=officer)
    monitoring_return = first_return(grant)
    first_visit = client_for(provider)

    # The return is on the dashboard and in the list, overdue (its quarter is long past).
    dashboard = text_of(first_visit.get(reverse("dashboard")))
    assert "Returns due" in dashboard
    assert f"Quarter 1 2025/26 {grant.reference}" in dashboard
    listing = first_visit.get(reverse("return-list"))
    assert monitoring_return.get_absolute_url() in listing.content.decode()
    assert "Overdue" in text_of(listing)

    # The task list: four sections, none started.
    page = text_of(first_visit.get(monitoring_return.get_absolute_url()))
    assert "You have completed 0 of 4 sections." in page
    assert page.count("Not yet started") == 4
    assert "Check your answers and submit" not in page

    # First visit: finance saved as a draft, with the money typed as people type it.
    response = first_visit.post(
        url("return-finance", monitoring_return),
        finance_post(monitoring_return, actual_spend="£4,000.50"),
    )
    assert response.status_code == 302
    assert response["Location"] == monitoring_return.get_absolute_url()
    page = text_of(first_visit.get(response["Location"]))
    assert "Finance section saved. You can come back to it later." in page
    assert "In progress" in page
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == ReturnStatus.DRAFT
    assert monitoring_return.actual_spend == Decimal("4000.50")
    assert not monitoring_return.finance_complete

    # Second visit, another day: the draft is still there, prefilled.
    second_visit = client_for(provider)
    form = second_visit.get(url("return-finance", monitoring_return)).content.decode()
    assert 'value="4000.50"' in form
    response = second_visit.post(
        url("return-finance", monitoring_return),
        finance_post(
            monitoring_return,
            complete="yes",
            actual_spend="4000.50",
            forecast_year_end="19500",
            underspend_explanation="A vacancy in the first quarter.",
        ),
    )
    assert response.status_code == 302
    assert "Finance section completed" in text_of(second_visit.get(response["Location"]))

    response = second_visit.post(
        url("return-outcomes", monitoring_return),
        {
            f"measure_{referrals.pk}": "1,120",
            f"note_measure_{referrals.pk}": "Mostly from the police.",
            f"measure_{supported.pk}": "95",
            "complete": "yes",
            "version": _version(monitoring_return),
        },
    )
    assert response.status_code == 302
    assert OutcomeResult.objects.get(measure=supported).value == 95

    response = second_visit.post(
        url("return-narrative", monitoring_return),
        {
            "went_well": "Waiting times fell.",
            "challenges": "Recruiting volunteers.",
            "service_user_feedback": "",
            "equality_monitoring": "",
            "complete": "yes",
            "version": _version(monitoring_return),
        },
    )
    assert response.status_code == 302

    # Evidence: upload a file, then say that is all of it.
    response = second_visit.post(
        url("return-evidence", monitoring_return),
        {
            "file": pdf(),
            "description": "Quarter 1 invoices",
            "version": _version(monitoring_return),
        },
    )
    assert response.status_code == 302
    assert "invoices.pdf has been uploaded" in text_of(second_visit.get(response["Location"]))
    response = second_visit.post(
        url("return-evidence", monitoring_return),
        {"done-complete": "yes", "done-version": _version(monitoring_return)},
    )
    assert response.status_code == 302

    page = text_of(second_visit.get(monitoring_return.get_absolute_url()))
    assert "You have completed 4 of 4 sections." in page
    assert "Check your answers and submit" in page

    # Check answers: every section with a Change link, the computed totals shown.
    check = second_visit.get(url("return-check", monitoring_return))
    content = check.content.decode()
    for section in ("finance", "outcomes", "narrative", "evidence"):
        assert url(f"return-{section}", monitoring_return) in content
    page = text_of(check)
    assert "Actual spend in the period £4,000.50" in page
    assert "Referrals received 1,120 referrals" in page
    assert "Waiting times fell." in page
    assert "invoices.pdf" in page

    response = second_visit.post(
        url("return-check", monitoring_return), {"version": _version(monitoring_return)}
    )
    assert response.status_code == 302
    assert response["Location"] == monitoring_return.get_absolute_url()
    page = text_of(second_visit.get(response["Location"]))
    assert "Return submitted" in page
    assert "Submitted" in page
    assert "The return as submitted" in page
    assert "Submission 1" in page
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == ReturnStatus.SUBMITTED
    assert monitoring_return.submitted_by == provider
    submission = ReturnSubmission.objects.get(monitoring_return=monitoring_return)
    assert submission.snapshot["finance"]["actual_spend"] == "4000.50"

    # Now it is read-only for the provider: pages send them back, saves are refused.
    for section in ("finance", "outcomes", "narrative", "evidence", "check"):
        response = second_visit.get(url(f"return-{section}", monitoring_return))
        assert response.status_code == 302, section
        assert response["Location"] == monitoring_return.get_absolute_url()
    response = second_visit.post(
        url("return-finance", monitoring_return),
        finance_post(monitoring_return, actual_spend="1.00", complete="no"),
        follow=True,
    )
    assert "This return has been submitted, so it can no longer be changed" in text_of(response)
    monitoring_return.refresh_from_db()
    assert monitoring_return.actual_spend == Decimal("4000.50")
    assert monitoring_return.status == ReturnStatus.SUBMITTED
    evidence = monitoring_return.evidence_files.get()
    response = second_visit.post(
        url("evidence-remove", monitoring_return, evidence.pk),
        {"version": monitoring_return.version},
    )
    assert response.status_code == 302
    assert monitoring_return.evidence_files.count() == 1
    response = second_visit.post(
        url("return-check", monitoring_return), {"version": monitoring_return.version}
    )
    assert response.status_code == 302
    assert monitoring_return.submissions.count() == 1
    # The evidence can still be downloaded.
    download = second_visit.get(url("evidence-download", monitoring_return, evidence.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES


def _version(monitoring_return) -> int:
    monitoring_return.refresh_from_db()
    return monitoring_return.version


def complete_and_submit(client, monitoring_return, actual_spend="4000") -> None:
    """Fill in every section of a grant's return (finance, narrative, evidence) and
    submit it, through the pages."""
    steps = [
        (
            "return-finance",
            finance_post(
                monitoring_return,
                complete="yes",
                actual_spend=actual_spend,
                forecast_year_end=str(monitoring_return.year_budget),
                underspend_explanation="A vacancy.",
            ),
        ),
        (
            "return-narrative",
            {"went_well": "Good.", "challenges": "None.", "complete": "yes"},
        ),
        ("return-evidence", {"file": pdf()}),
    ]
    for name, data in steps:
        data.setdefault("version", _version(monitoring_return))
        response = client.post(url(name, monitoring_return), data)
        assert response.status_code == 302, (name, text_of(response)[:2000])
    for name, data in (
        ("return-evidence", {"done-complete": "yes", "done-version": None}),
        ("return-check", {"version": None}),
    ):
        data = {key: value or _version(monitoring_return) for key, value in data.items()}
        response = client.post(url(name, monitoring_return), data)
        assert response.status_code == 302, (name, text_of(response)[:2000])
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == ReturnStatus.SUBMITTED


def test_a_return_sent_back_for_changes_can_be_changed_and_resubmitted(provider, manager):
    from monitoring import services

    grant = active_grant(recipient=provider.organisation)
    monitoring_return = first_return(grant)
    client = client_for(provider)
    complete_and_submit(client, monitoring_return, actual_spend="4986.30")
    services.return_request_changes(
        monitoring_return=monitoring_return, by=manager, comments="Attach the payroll report."
    )

    page = text_of(client.get(monitoring_return.get_absolute_url()))
    assert "Changes requested" in page
    assert "Attach the payroll report." in page
    assert "You have completed 3 of 3 sections." in page

    response = client.post(
        url("return-finance", monitoring_return),
        finance_post(
            monitoring_return,
            complete="yes",
            actual_spend="4900",
            forecast_year_end="20000",
            underspend_explanation="A vacancy.",
        ),
    )
    assert response.status_code == 302
    client.post(url("return-check", monitoring_return), {"version": _version(monitoring_return)})
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == ReturnStatus.SUBMITTED
    page = text_of(client.get(monitoring_return.get_absolute_url()))
    # Both submissions stay visible, each with the figures it sent.
    assert "Submission 2" in page and "Submission 1" in page
    assert "£4,986.30" in page and "£4,900.00" in page
    assert "Attach the payroll report." in page
