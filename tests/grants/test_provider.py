"""A provider user sees their own organisation's grants and payment schedules, read-only,
and nothing of any other organisation's: another's grant answers 404 wherever it is
named, and no page lets a provider change anything."""

from __future__ import annotations

import csv
import datetime
import html
import io
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from grants import services
from grants.models import Grant, GrantStatus, PaymentStatus
from tests.factories import OrganisationFactory, awarded_grant

pytestmark = pytest.mark.django_db

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)  # the smallest real PDF: one blank A4 page with a correct cross-reference table

#: Every page about one grant, and those about one of its payments.
GRANT_URLS = [
    "grant-detail",
    "grant-edit",
    "grant-agreement",
    "grant-schedule-generate",
    "grant-award",
    "grant-activate",
    "grant-close",
    "grant-withdraw",
    "grant-underspend",
    "grant-onward-create",
]
PAYMENT_URLS = ["grant-payment-edit", "grant-payment-paid"]
#: The pages a provider may read about their own grant.
READABLE = {"grant-detail", "grant-agreement"}


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def own(provider, officer):
    grant = awarded_grant(
        recipient=provider.organisation, title="Our outreach grant", amount=Decimal("20000.00")
    )
    first = grant.payments.order_by("due_date").first()
    services.payment_mark_paid(
        payment=first, by=officer, paid_date=datetime.date(2025, 4, 3), payment_reference="BACS-77"
    )
    return grant


@pytest.fixture
def others():
    return awarded_grant(recipient=OrganisationFactory(name="Another Charity"), title="Their grant")


def test_provider_lists_only_their_own_grants(provider_client, own, others):
    response = provider_client.get(reverse("grant-list"))

    body = page(response)
    assert response.status_code == 200
    assert "Our outreach grant" in body
    assert "Their grant" not in body and "Another Charity" not in body
    assert response.context["totals"].count == 1
    assert reverse("grant-create") not in body


def test_provider_filters_offer_nothing_about_other_organisations(provider_client, own, others):
    form = provider_client.get(reverse("grant-list")).context["filter"].form

    assert "recipient" not in form.fields
    assert "responsible_officer" not in form.fields
    assert list(form.fields["funding_stream"].queryset) == [own.charges.get().funding_stream]


def test_provider_cannot_filter_their_way_to_another_grant(provider_client, own, others):
    response = provider_client.get(
        reverse("grant-list"), {"recipient": others.recipient_id, "q": "Their"}
    )

    assert "Their grant" not in page(response)


def test_provider_export_has_only_their_own_grants(provider_client, own, others):
    response = provider_client.get(reverse("grant-export"), {"format": "csv"})

    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [row["Reference"] for row in rows] == [own.reference]
    assert "Workstream" not in rows[0] and "Responsible officer" not in rows[0]


def test_provider_sees_their_grant_and_schedule_read_only(provider_client, own):
    response = provider_client.get(own.get_absolute_url())

    body = page(response)
    assert response.status_code == 200
    assert "Our outreach grant" in body
    assert "BACS-77" in body  # the payment made, with its reference
    assert "3 April 2025" in body
    assert "£20,000.00" in body
    assert "The office’s due-diligence checks are complete." in body
    for hidden in ("Fraud risk rating", "headroom", "History", 'id="actions"', "Mark as paid"):
        assert hidden not in body
    for name in ("grant-edit", "grant-withdraw", "grant-close", "grant-underspend"):
        assert reverse(name, args=[own.pk]) not in body
    assert own.workstream.get_absolute_url() not in body


def test_provider_downloads_their_own_signed_agreement(provider_client, own, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    own.signed_agreement.save("agreement.pdf", ContentFile(PDF_BYTES), save=False)
    Grant.objects.filter(pk=own.pk).update(
        signed_agreement=own.signed_agreement.name, signed_agreement_name="Our agreement.pdf"
    )

    response = provider_client.get(reverse("grant-agreement", args=[own.pk]))

    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert 'filename="Our agreement.pdf"' in response["Content-Disposition"]


@pytest.mark.parametrize("name", GRANT_URLS)
def test_another_organisations_grant_answers_404_to_a_provider(provider_client, others, name):
    url = reverse(name, args=[others.pk])

    assert provider_client.get(url).status_code == 404
    assert provider_client.post(url, {"withdrawn_reason": "x"}).status_code == 404


@pytest.mark.parametrize("name", PAYMENT_URLS)
def test_another_organisations_payments_answer_404_to_a_provider(provider_client, others, name):
    payment = others.payments.first()
    url = reverse(name, args=[others.pk, payment.pk])

    assert provider_client.get(url).status_code == 404
    response = provider_client.post(
        url,
        {"paid_date_0": 1, "paid_date_1": 4, "paid_date_2": 2025, "payment_reference": "X"},
    )

    assert response.status_code == 404
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SCHEDULED


@pytest.mark.parametrize("name", sorted(set(GRANT_URLS) - READABLE))
def test_provider_changes_nothing_even_on_their_own_grant(provider_client, own, name):
    url = reverse(name, args=[own.pk])

    assert provider_client.get(url).status_code == 404
    assert provider_client.post(url, {"withdrawn_reason": "Not wanted"}).status_code == 404
    own.refresh_from_db()
    assert own.status == GrantStatus.AWARDED


@pytest.mark.parametrize("name", PAYMENT_URLS)
def test_provider_cannot_mark_their_own_payment_paid(provider_client, own, name):
    payment = own.payments.filter(status=PaymentStatus.SCHEDULED).first()
    url = reverse(name, args=[own.pk, payment.pk])

    response = provider_client.post(
        url,
        {"paid_date_0": 1, "paid_date_1": 7, "paid_date_2": 2025, "payment_reference": "SELF"},
    )

    assert response.status_code == 404
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SCHEDULED


def test_provider_dashboard_lists_their_grants_with_the_next_payment(provider_client, own, others):
    response = provider_client.get(reverse("dashboard"))

    body = page(response)
    assert "Your grants" in body
    assert own.reference in body
    assert "£5,000.00 due 1 July 2025" in body
    assert others.reference not in body
    assert "Overdue grant payments" not in body
