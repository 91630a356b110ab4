"""The grant pages, through the test client, as the role that uses each one.

Services are tested directly in test_services.py; who may open which URL in general is
covered by tests/security/test_access_matrix.py, and a provider's view of their own
grants in test_provider.py. These tests check what each page does and shows.
"""

from __future__ import annotations

import csv
import datetime
import html
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commissioning.models import Role
from decisions.models import AssessmentStatus, DecisionType
from decisions.services import assessment_decide
from grants import services
from grants.models import (
    Area,
    AwardRoute,
    FraudRisk,
    Grant,
    GrantStatus,
    OnwardGrant,
    Payment,
    PaymentStatus,
    PaymentTiming,
    Programme,
    UnderspendReturn,
)
from tests.factories import (
    FundingStreamFactory,
    GrantFactory,
    OrganisationFactory,
    UserFactory,
    WorkstreamFactory,
    awardable,
    awarded_grant,
    submitted_assessment,
)
from workstreams.models import CommissioningRole

pytestmark = pytest.mark.django_db

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)  # the smallest real PDF: one blank A4 page with a correct cross-reference table


# --- Helpers ----------------------------------------------------------------------------


def page(response) -> str:
    return html.unescape(response.content.decode())


def text(response) -> str:
    """The main content's words, tags removed and spaces collapsed."""
    match = re.search(r"<main.*</main>", page(response), re.DOTALL)
    body = match.group(0) if match else ""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()


def error_summary(response) -> list[tuple[str, str]]:
    """The error summary's (link target, message) pairs."""
    match = re.search(r'class="govuk-error-summary".*?</ul>', page(response), re.DOTALL)
    if not match:
        return []
    return [
        (target, re.sub(r"\s+", " ", message).strip())
        for target, message in re.findall(r'<a href="#([^"]+)">(.*?)</a>', match.group(0))
    ]


def element(response, element_id: str) -> str:
    """The text of the element with this id (up to its closing tag's line)."""
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:tr|p|div|ul|dd)>', page(response), re.S)
    assert match, f"no #{element_id} on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def stream_headroom(client, stream) -> str:
    response = client.get(reverse("funding-stream-detail", args=[stream.pk]))
    return element(response, "money-headroom")


def csv_rows(response) -> list[dict]:
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(content)))


def date_fields(name: str, day: datetime.date | None) -> dict:
    if day is None:
        return {f"{name}_0": "", f"{name}_1": "", f"{name}_2": ""}
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


def charge_rows(*charges, rows: int = 3, initial: int = 0) -> dict:
    data = {
        "charges-TOTAL_FORMS": rows,
        "charges-INITIAL_FORMS": initial,
        "charges-MIN_NUM_FORMS": 0,
        "charges-MAX_NUM_FORMS": 1000,
    }
    for index in range(rows):
        stream, amount = charges[index] if index < len(charges) else ("", "")
        data[f"charges-{index}-funding_stream"] = getattr(stream, "pk", stream)
        data[f"charges-{index}-amount"] = amount
    return data


@pytest.fixture
def stream():
    return FundingStreamFactory(name="Victims fund", amount=Decimal("100000.00"))


@pytest.fixture
def workstream():
    return WorkstreamFactory(title="Police and crime grants", role=CommissioningRole.FACILITATING)


def grant_data(
    *, workstream, officer, recipient, stream, charges=None, initial=0, **overrides
) -> dict:
    data = {
        "title": "Community safety fund",
        "purpose": "Local projects that keep people safe.",
        "workstream": workstream.pk,
        "programme": Programme.objects.get(code="police-and-crime-grant").pk,
        "recipient": recipient.pk,
        "beneficiary_area": "",
        "responsible_officer": officer.pk,
        "amount": "20000",
        **date_fields("start_date", datetime.date(2025, 4, 1)),
        **date_fields("end_date", datetime.date(2026, 3, 31)),
        "payment_timing": PaymentTiming.ADVANCE,
        "instalments": "4",
        "monitoring_frequency": "quarterly",
        "award_route": AwardRoute.OPEN_CALL,
        "direct_award_justification": "",
        "procurement_route_justification": "",
        "approving_decision": "",
        "conditions": "",
        **date_fields("dd_accounts_date", None),
        "dd_fraud_risk": "",
        **charge_rows(*(charges if charges is not None else [(stream, "20000")]), initial=initial),
    }
    for name in list(overrides):
        if name in ("start_date", "end_date", "dd_accounts_date"):
            data.update(date_fields(name, overrides.pop(name)))
    data.update(overrides)
    return data


def approved_funding_decision(workstream, manager):
    assessment = submitted_assessment(
        decision_type=DecisionType.FUNDING_AWARD, workstream=workstream
    )
    return assessment_decide(
        assessment=assessment, by=manager, outcome=AssessmentStatus.APPROVED, reason="Agreed."
    )


# --- The list ---------------------------------------------------------------------------


def test_list_filters_by_each_field(officer_client, stream, workstream, officer):
    small = Programme.objects.get(code="small-grants")
    area = Area.objects.create(
        name="Bristol",
        population=470000,
        population_year=2022,
        population_source="ONS mid-year estimates",
        recorded_crime=60000,
        crime_year="2023/24",
        crime_source="Home Office",
    )
    other_stream = FundingStreamFactory(name="VRU fund", amount=Decimal("90000.00"))
    bob = UserFactory(full_name="Bob Officer")
    target = GrantFactory(
        title="Target grant",
        recipient=OrganisationFactory(name="Hartcliffe Trust"),
        programme=small,
        beneficiary_area=area,
        funding_stream=other_stream,
        responsible_officer=bob,
        start_date=datetime.date(2024, 6, 1),
        end_date=datetime.date(2025, 3, 31),
        workstream=workstream,
    )
    awardable(target)
    services.grant_award(grant=target, by=officer)
    GrantFactory(title="Decoy grant", funding_stream=stream, workstream=workstream)
    url = reverse("grant-list")

    for params in [
        {"programme": small.pk},
        {"funding_stream": other_stream.pk},
        {"recipient": target.recipient_id},
        {"beneficiary_area": area.pk},
        {"status": GrantStatus.AWARDED},
        {"financial_year": 2024},
        {"responsible_officer": bob.pk},
        {"q": "target"},
        {"q": target.recipient.name},
        {"q": target.reference},
    ]:
        shown = text(officer_client.get(url, params))
        assert "Target grant" in shown, params
        assert "Decoy grant" not in shown, params
    assert "Decoy grant" in text(officer_client.get(url, {"financial_year": 2025}))


def test_totals_row_covers_every_filtered_grant_not_just_the_page(
    officer_client, workstream, stream, officer
):
    programme = Programme.objects.get(code="small-grants")
    for _ in range(27):
        GrantFactory(
            amount=Decimal("1000.50"),
            funding_stream=stream,
            workstream=workstream,
            responsible_officer=officer,
            programme=programme,
        )
    GrantFactory(amount=Decimal("5000.00"), funding_stream=stream, workstream=workstream)

    response = officer_client.get(reverse("grant-list"), {"programme": programme.pk})

    assert len(response.context["object_list"]) == 25  # one page
    totals = element(response, "grant-totals")
    assert "Total of all 27 grants matching these filters" in totals
    assert "£27,013.50" in totals  # 27 × £1,000.50, the £5,000 grant filtered out
    second = officer_client.get(reverse("grant-list"), {"programme": programme.pk, "page": 2})
    assert len(second.context["object_list"]) == 2
    assert "£27,013.50" in element(second, "grant-totals")


def test_totals_count_onward_grants_once_as_money_passed_on(officer_client, officer):
    parent = awarded_grant(amount=Decimal("20000.00"), title="Small grants fund")
    services.onward_grant_add(
        parent=parent,
        by=officer,
        recipient_name="Youth club",
        amount=Decimal("2500.00"),
        purpose="Summer activities",
        award_date=datetime.date(2025, 6, 1),
    )

    response = officer_client.get(reverse("grant-list"))

    totals = element(response, "grant-totals")
    assert "£20,000.00" in totals  # not £22,500
    assert "of which passed on through onward grants: £2,500.00" in totals


def test_list_costs_the_same_number_of_queries_for_5_or_50_grants(
    officer_client, workstream, stream, officer
):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = officer_client.get(reverse("grant-list"))
        assert response.status_code == 200
        return len(queries)

    def add(number):
        for _ in range(number):
            grant = GrantFactory(
                funding_stream=stream,
                workstream=workstream,
                responsible_officer=officer,
                amount=Decimal("1000.00"),
            )
            services.onward_grant_add(
                parent=grant,
                by=officer,
                recipient_name="Club",
                amount=Decimal("10.00"),
                purpose="Kit",
                award_date=datetime.date(2025, 5, 1),
            )

    add(5)
    five = count_queries()
    add(45)
    assert count_queries() == five


def test_export_has_the_filtered_rows_with_formulas_neutralised(viewer_client, workstream):
    risky = OrganisationFactory(name='=HYPERLINK("http://evil.example")')
    GrantFactory(recipient=risky, title="Risky", amount=Decimal("1234.50"), workstream=workstream)
    GrantFactory(title="Other", workstream=workstream)
    awarded_grant(title="Awarded one", workstream=workstream)

    response = viewer_client.get(
        reverse("grant-export"), {"status": GrantStatus.DRAFT, "format": "csv"}
    )

    rows = csv_rows(response)
    assert response["Content-Type"].startswith("text/csv")
    assert {row["Title"] for row in rows} == {"Risky", "Other"}
    risky_row = next(row for row in rows if row["Title"] == "Risky")
    assert risky_row["Recipient"] == '\'=HYPERLINK("http://evil.example")'
    assert risky_row["Amount (£)"] == "1234.50"
    assert risky_row["Status"] == "Draft"
    assert risky_row["Workstream"] == workstream.title
    xlsx = viewer_client.get(reverse("grant-export"), {"format": "xlsx"})
    assert xlsx.status_code == 200
    assert b"".join(getattr(xlsx, "streaming_content", [xlsx.content]))[:2] == b"PK"


def test_list_links_to_add_allocations_and_import_for_editors_only(officer_client, viewer_client):
    officer_page = page(officer_client.get(reverse("grant-list")))
    assert reverse("grant-create") in officer_page
    assert "Local allocations by population and crime" in officer_page
    assert "Import a grants register" in officer_page
    viewer_page = page(viewer_client.get(reverse("grant-list")))
    assert reverse("grant-create") not in viewer_page
    assert "Import a grants register" not in viewer_page


# --- Drafting ---------------------------------------------------------------------------


def test_officer_adds_a_draft_grant_charged_to_two_streams(
    officer, officer_client, workstream, stream
):
    second = FundingStreamFactory(name="Partner fund", amount=Decimal("50000.00"))
    recipient = OrganisationFactory(name="Safer Streets CIC")

    response = officer_client.post(
        reverse("grant-create"),
        grant_data(
            workstream=workstream,
            officer=officer,
            recipient=recipient,
            stream=stream,
            amount="£20,000",
            charges=[(stream, "15000"), (second, "5000.00")],
        ),
    )

    grant = Grant.objects.get()
    assert response.status_code == 302
    assert response["Location"] == grant.get_absolute_url()
    assert grant.status == GrantStatus.DRAFT
    assert grant.reference == f"GR-2025-{grant.pk:04d}"
    assert grant.amount == Decimal("20000.00")
    assert grant.recipient == recipient
    assert sorted((c.funding_stream.name, c.amount) for c in grant.charges.all()) == [
        ("Partner fund", Decimal("5000.00")),
        ("Victims fund", Decimal("15000.00")),
    ]
    assert grant.history.first().history_user == officer


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount": "-50"}, "amount", "Enter an amount greater than £0"),
        ({"amount": "0"}, "amount", "Enter an amount greater than £0"),
        ({"amount": "lots"}, "amount", "Enter the amount of the grant in pounds, like 12500"),
        (
            {"end_date": datetime.date(2025, 3, 1)},
            "end_date",
            "The end date must be the same as or after the start date",
        ),
        (
            {"award_route": AwardRoute.DIRECT},
            "direct_award_justification",
            "Explain why the grant is a direct award",
        ),
        ({"title": ""}, "title", "Enter the grant's title"),
    ],
)
def test_bad_grant_input_is_refused_at_the_field_and_nothing_is_saved(
    officer, officer_client, workstream, stream, overrides, field, message
):
    data = grant_data(
        workstream=workstream,
        officer=officer,
        recipient=OrganisationFactory(),
        stream=stream,
        **overrides,
    )

    response = officer_client.post(reverse("grant-create"), data)

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert any(message in summary for _, summary in error_summary(response))
    assert Grant.objects.count() == 0
    assert 'value="Community safety fund"' in page(response) or field == "title"


def test_charges_that_do_not_add_up_are_refused_with_the_services_words(
    officer, officer_client, workstream, stream
):
    data = grant_data(
        workstream=workstream,
        officer=officer,
        recipient=OrganisationFactory(),
        stream=stream,
        charges=[(stream, "15000")],
    )

    response = officer_client.post(reverse("grant-create"), data)

    expected = (
        "The amounts charged to funding streams add up to £15,000.00 but the grant is "
        "£20,000.00: they must be equal"
    )
    assert response.status_code == 200
    assert ("charges", expected) in error_summary(response)
    assert expected in element(response, "charges-error")
    assert Grant.objects.count() == 0


@pytest.mark.parametrize(
    ("charges", "message"),
    [
        ([], "Charge the grant to at least one funding stream"),
        ([("stream", "10000"), ("stream", "10000")], "Charge each funding stream once"),
        ([("stream", "-5")], "Enter an amount greater than £0"),
        ([("stream", "")], "Enter the amount charged to Victims fund"),
        ([("", "20000")], "Select the funding stream this amount is charged to"),
    ],
)
def test_bad_charge_rows_are_refused(officer, officer_client, workstream, stream, charges, message):
    rows = [(stream if s == "stream" else s, amount) for s, amount in charges]
    data = grant_data(
        workstream=workstream,
        officer=officer,
        recipient=OrganisationFactory(),
        stream=stream,
        charges=rows,
    )

    response = officer_client.post(reverse("grant-create"), data)

    assert response.status_code == 200
    assert message in [summary for _, summary in error_summary(response)]
    assert Grant.objects.count() == 0


def test_over_the_procurement_threshold_a_justification_is_required(
    officer, officer_client, workstream
):
    big_stream = FundingStreamFactory(amount=Decimal("500000.00"))
    data = grant_data(
        workstream=workstream,
        officer=officer,
        recipient=OrganisationFactory(),
        stream=big_stream,
        amount="60000",
        charges=[(big_stream, "60000")],
    )

    refused = officer_client.post(reverse("grant-create"), data)
    data["procurement_route_justification"] = "Only one provider covers the whole area."
    accepted = officer_client.post(reverse("grant-create"), data)

    assert any(
        "At £60,000.00 a year this is over £50,000.00" in message
        for message in refused.context["form"].errors["procurement_route_justification"]
    )
    assert accepted.status_code == 302
    assert Grant.objects.get().procurement_route_justification.startswith("Only one")


def test_the_form_says_headroom_is_checked_at_award_and_preselects_the_workstream(
    officer_client, workstream, stream
):
    response = officer_client.get(reverse("grant-create"), {"workstream": workstream.pk})

    assert response.context["form"].initial["workstream"] == workstream
    assert "enough headroom left is checked when the grant is awarded" in text(response)
    assert "Victims fund (2025/26): £100,000.00 left" in text(response)


def test_signed_agreement_must_be_a_pdf_or_word_document(
    officer, officer_client, workstream, stream, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    data = grant_data(
        workstream=workstream, officer=officer, recipient=OrganisationFactory(), stream=stream
    )
    data["signed_agreement"] = SimpleUploadedFile("agreement.png", b"\x89PNG\r\n\x1a\nxx")

    refused = officer_client.post(reverse("grant-create"), data)
    data["signed_agreement"] = SimpleUploadedFile("agreement.pdf", PDF_BYTES)
    accepted = officer_client.post(reverse("grant-create"), data)

    assert "The selected file must be a PDF, Word document" in str(
        refused.context["form"].errors["signed_agreement"]
    )
    assert accepted.status_code == 302
    grant = Grant.objects.get()
    assert grant.signed_agreement_name == "agreement.pdf"
    download = officer_client.get(reverse("grant-agreement", args=[grant.pk]))
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_editing_the_amount_without_the_charges_is_refused_and_nothing_changes(
    officer, officer_client, workstream, stream
):
    grant = awardable(GrantFactory(funding_stream=stream, workstream=workstream))
    data = grant_data(
        workstream=workstream,
        officer=officer,
        recipient=grant.recipient,
        stream=stream,
        amount="25000",
        charges=[(stream, "20000")],
        initial=1,
    )

    response = officer_client.post(reverse("grant-edit", args=[grant.pk]), data)

    assert response.status_code == 200
    assert "add up to £20,000.00 but the grant is £25,000.00" in element(response, "charges-error")
    grant.refresh_from_db()
    assert grant.amount == Decimal("20000.00")
    assert grant.payments.count() == 4  # the schedule is kept


def test_changing_the_charges_clears_the_schedule_and_says_so(
    officer, officer_client, workstream, stream
):
    grant = awardable(GrantFactory(funding_stream=stream, workstream=workstream))
    data = grant_data(
        workstream=workstream,
        officer=officer,
        recipient=grant.recipient,
        stream=stream,
        amount="24000",
        charges=[(stream, "24000")],
        initial=1,
    )

    response = officer_client.post(reverse("grant-edit", args=[grant.pk]), data, follow=True)

    grant.refresh_from_db()
    assert grant.amount == Decimal("24000.00")
    assert grant.charges.get().amount == Decimal("24000.00")
    assert grant.payments.count() == 0
    assert "the payment schedule has been cleared: generate it again" in text(response)


def test_an_awarded_grants_edit_page_changes_only_its_paperwork(officer, officer_client):
    grant = awarded_grant()

    page_ = officer_client.get(reverse("grant-edit", args=[grant.pk]))
    response = officer_client.post(
        reverse("grant-edit", args=[grant.pk]),
        {
            "purpose": "New purpose.",
            "conditions": "Report quarterly.",
            "responsible_officer": officer.pk,
            "amount": "999999",
        },
    )

    assert set(page_.context["form"].fields) == {
        "purpose",
        "conditions",
        "responsible_officer",
        "signed_agreement",
    }
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.conditions == "Report quarterly."
    assert grant.responsible_officer == officer
    assert grant.amount == Decimal("20000.00")


# --- Schedule ---------------------------------------------------------------------------


def test_generating_the_schedule_through_the_page(officer_client, stream, workstream):
    grant = GrantFactory(funding_stream=stream, workstream=workstream, amount=Decimal("10000.00"))

    confirm = officer_client.get(reverse("grant-schedule-generate", args=[grant.pk]))
    response = officer_client.post(reverse("grant-schedule-generate", args=[grant.pk]), follow=True)

    assert "4 instalments in advance from 1 April 2025 to 31 March 2026" in text(confirm)
    assert [p.amount for p in grant.payments.order_by("due_date")] == [Decimal("2500.00")] * 4
    assert "The payment schedule has been generated" in text(response)
    assert "£10,000.00" in element(response, "schedule-totals")


def test_editing_a_payment_shows_when_the_schedule_no_longer_adds_up(
    officer_client, stream, workstream
):
    grant = awardable(GrantFactory(funding_stream=stream, workstream=workstream))
    payment = grant.payments.order_by("due_date").first()

    response = officer_client.post(
        reverse("grant-payment-edit", args=[grant.pk, payment.pk]),
        {**date_fields("due_date", datetime.date(2025, 4, 15)), "amount": "4000"},
        follow=True,
    )

    payment.refresh_from_db()
    assert payment.amount == Decimal("4000.00")
    assert payment.due_date == datetime.date(2025, 4, 15)
    assert "adds up to £19,000.00, not the £20,000.00 of the grant" in element(
        response, "schedule-mismatch"
    )


def test_a_payment_amount_must_be_more_than_nothing(officer_client, stream, workstream):
    grant = awardable(GrantFactory(funding_stream=stream, workstream=workstream))
    payment = grant.payments.first()

    response = officer_client.post(
        reverse("grant-payment-edit", args=[grant.pk, payment.pk]),
        {**date_fields("due_date", payment.due_date), "amount": "0"},
    )

    assert ("id_amount", "Enter an amount greater than £0") in error_summary(response)
    payment.refresh_from_db()
    assert payment.amount == Decimal("5000.00")


def test_an_awarded_grants_schedule_can_no_longer_be_edited(officer_client):
    grant = awarded_grant()
    payment = grant.payments.first()

    shown = officer_client.get(reverse("grant-payment-edit", args=[grant.pk, payment.pk]))
    posted = officer_client.post(
        reverse("grant-payment-edit", args=[grant.pk, payment.pk]),
        {**date_fields("due_date", payment.due_date), "amount": "1"},
    )

    assert "payment schedule can no longer be changed" in text(shown)
    assert "you can no longer edit its payment schedule" in str(error_summary(posted))
    payment.refresh_from_db()
    assert payment.amount == Decimal("5000.00")


# --- Award ------------------------------------------------------------------------------


def test_award_page_lists_each_missing_precondition_with_where_to_fix_it(officer_client):
    small_stream = FundingStreamFactory(name="Small fund", amount=Decimal("50000.00"))
    other = GrantFactory(funding_stream=small_stream, amount=Decimal("10000.00"))
    awarded = awardable(other)
    services.grant_award(grant=awarded, by=awarded.responsible_officer)
    grant = GrantFactory(funding_stream=small_stream, amount=Decimal("60000.00"))

    response = officer_client.get(reverse("grant-award", args=[grant.pk]))

    problems = element(response, "award-problems")
    for expected in [
        "Grants over £25,000.00 need an approved funding-award decision",
        "Small fund (2025/26) has £40,000.00 left, not enough for the £60,000.00 charged",
        "Make the payment schedule",
        "Check the organisation's registration and status",
        "Record the date of the latest accounts seen",
        "See the organisation's safeguarding policy",
        "Rate the fraud risk",
        "At £60,000.00 a year this is over £50,000.00",
    ]:
        assert expected in problems
    assert f"{reverse('grant-edit', args=[grant.pk])}#div_id_approving_decision" in page(response)
    assert f"{grant.get_absolute_url()}#schedule" in page(response)
    assert "expects the procurement-service route" in element(response, "procurement-route")
    assert 'name="award_date_0"' not in page(response)  # no award until they are put right


def test_refused_award_names_every_problem_in_the_error_summary(officer_client):
    grant = GrantFactory()  # no schedule, no due diligence

    response = officer_client.post(
        reverse("grant-award", args=[grant.pk]),
        date_fields("award_date", datetime.date(2025, 4, 1)),
    )

    summary = [message for _, message in error_summary(response)]
    assert "Make the payment schedule" in summary
    assert "Check the organisation's registration and status" in summary
    assert "Rate the fraud risk" in summary
    grant.refresh_from_db()
    assert grant.status == GrantStatus.DRAFT


def test_a_wrong_or_unapproved_decision_is_named(officer_client, manager, workstream):
    draft_decision = submitted_assessment(
        decision_type=DecisionType.FUNDING_AWARD, workstream=workstream
    )
    grant = awardable(GrantFactory(amount=Decimal("30000.00"), workstream=workstream))
    Grant.objects.filter(pk=grant.pk).update(approving_decision=draft_decision)

    response = officer_client.get(reverse("grant-award", args=[grant.pk]))

    assert f"{draft_decision.reference} is submitted, not approved" in element(
        response, "award-problems"
    )


def test_awarding_through_the_page_commits_the_money_from_the_stream(
    officer_client, manager, workstream
):
    stream = FundingStreamFactory(name="Victims fund", amount=Decimal("100000.00"))
    grant = awardable(
        GrantFactory(amount=Decimal("30000.00"), funding_stream=stream, workstream=workstream)
    )
    Grant.objects.filter(pk=grant.pk).update(
        approving_decision=approved_funding_decision(workstream, manager)
    )
    assert stream_headroom(officer_client, stream) == "£100,000.00"

    confirm = officer_client.get(reverse("grant-award", args=[grant.pk]))
    response = officer_client.post(
        reverse("grant-award", args=[grant.pk]),
        date_fields("award_date", datetime.date(2025, 3, 20)),
        follow=True,
    )

    assert "Everything the award needs is in place" in text(confirm)
    grant.refresh_from_db()
    assert grant.status == GrantStatus.AWARDED
    assert grant.award_date == datetime.date(2025, 3, 20)
    assert f"{grant.reference} has been awarded: £30,000.00 is now committed" in text(response)
    assert stream_headroom(officer_client, stream) == "£70,000.00"


# --- Payments, closure, withdrawal, underspends -----------------------------------------


def test_marking_a_payment_paid_needs_its_reference(officer_client):
    grant = awarded_grant()
    payment = grant.payments.order_by("due_date").first()
    url = reverse("grant-payment-paid", args=[grant.pk, payment.pk])
    paid_on = datetime.date(2025, 4, 2)

    refused = officer_client.post(url, {**date_fields("paid_date", paid_on)})
    blank = officer_client.post(
        url, {**date_fields("paid_date", paid_on), "payment_reference": "   "}
    )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SCHEDULED
    accepted = officer_client.post(
        url, {**date_fields("paid_date", paid_on), "payment_reference": "BACS-0042"}
    )

    assert ("id_payment_reference", "Enter the payment reference") in error_summary(refused)
    assert ("id_payment_reference", "Enter the payment reference") in error_summary(blank)
    assert accepted.status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.paid_date == paid_on
    assert payment.payment_reference == "BACS-0042"


def test_a_draft_grants_payment_cannot_be_marked_paid(officer_client, stream, workstream):
    draft = awardable(GrantFactory(funding_stream=stream, workstream=workstream))
    payment = draft.payments.first()

    response = officer_client.get(reverse("grant-payment-paid", args=[draft.pk, payment.pk]))

    assert "Payments are made only on awarded or active grants; this one is draft" in text(response)


def test_activate_and_close_through_their_pages(officer_client):
    grant = awarded_grant()

    officer_client.post(reverse("grant-activate", args=[grant.pk]))
    grant.refresh_from_db()
    assert grant.status == GrantStatus.ACTIVE
    officer_client.post(reverse("grant-close", args=[grant.pk]))
    grant.refresh_from_db()
    assert grant.status == GrantStatus.CLOSED
    assert not grant.payments.filter(status=PaymentStatus.SCHEDULED).exists()


def test_withdrawing_needs_a_reason_and_gives_the_money_back_to_the_stream(officer_client):
    stream = FundingStreamFactory(amount=Decimal("100000.00"))
    grant = awarded_grant(funding_stream=stream, amount=Decimal("20000.00"))
    assert stream_headroom(officer_client, stream) == "£80,000.00"
    url = reverse("grant-withdraw", args=[grant.pk])

    refused = officer_client.post(url, {"withdrawn_reason": ""})
    response = officer_client.post(url, {"withdrawn_reason": "The recipient closed."}, follow=True)

    assert ("id_withdrawn_reason", "Enter why the grant is withdrawn") in error_summary(refused)
    grant.refresh_from_db()
    assert grant.status == GrantStatus.WITHDRAWN
    assert "This grant was withdrawn: The recipient closed." in text(response)
    assert stream_headroom(officer_client, stream) == "£100,000.00"


def test_a_paid_grant_cannot_be_withdrawn(officer, officer_client):
    grant = awarded_grant()
    services.payment_mark_paid(
        payment=grant.payments.first(),
        by=officer,
        paid_date=datetime.date(2025, 4, 1),
        payment_reference="BACS-1",
    )

    response = officer_client.post(
        reverse("grant-withdraw", args=[grant.pk]), {"withdrawn_reason": "Changed our mind."}
    )

    assert any(
        "Payments have been made on this grant, so it can't be withdrawn" in message
        for _, message in error_summary(response)
    )
    grant.refresh_from_db()
    assert grant.status == GrantStatus.AWARDED


def test_recording_an_underspend_credits_the_funding_stream(officer, officer_client):
    stream = FundingStreamFactory(amount=Decimal("100000.00"))
    grant = awarded_grant(funding_stream=stream, amount=Decimal("20000.00"))
    services.payment_mark_paid(
        payment=grant.payments.order_by("due_date").first(),
        by=officer,
        paid_date=datetime.date(2025, 4, 1),
        payment_reference="BACS-1",
    )
    charge = grant.charges.get()
    assert stream_headroom(officer_client, stream) == "£80,000.00"

    too_much = officer_client.post(
        reverse("grant-underspend", args=[grant.pk]),
        {"charge": charge.pk, "amount": "6000", **date_fields("recorded_on", timezone.localdate())},
    )
    response = officer_client.post(
        reverse("grant-underspend", args=[grant.pk]),
        {
            "charge": charge.pk,
            "amount": "1500",
            **date_fields("recorded_on", timezone.localdate()),
            "note": "Staff vacancy",
        },
        follow=True,
    )

    assert "Only £5,000.00 has been paid from this funding stream and not returned" in str(
        error_summary(too_much)
    )
    underspend = UnderspendReturn.objects.get()
    assert underspend.amount == Decimal("1500.00")
    assert underspend.recorded_by == officer
    assert "Staff vacancy" in text(response)
    assert stream_headroom(officer_client, stream) == "£81,500.00"


def test_onward_grants_are_added_on_the_parent_grant(officer_client):
    parent = awarded_grant(amount=Decimal("20000.00"))

    response = officer_client.post(
        reverse("grant-onward-create", args=[parent.pk]),
        {
            "recipient_name": "Hartcliffe Youth Club",
            "recipient": "",
            "amount": "2500",
            "purpose": "Summer activities",
            "area": "",
            **date_fields("award_date", datetime.date(2025, 6, 1)),
        },
        follow=True,
    )
    too_much = officer_client.post(
        reverse("grant-onward-create", args=[parent.pk]),
        {
            "recipient_name": "Another",
            "amount": "18000",
            "purpose": "Too much",
            **date_fields("award_date", datetime.date(2025, 6, 1)),
        },
    )

    onward = OnwardGrant.objects.get()
    assert onward.parent == parent
    assert "Hartcliffe Youth Club" in text(response)
    assert "of which passed on through onward grants: £2,500.00" in text(response)
    assert "Onward grants would total £20,500.00, more than the £20,000.00 grant" in str(
        error_summary(too_much)
    )


# --- Who sees what ----------------------------------------------------------------------


def test_viewer_sees_the_grant_but_no_actions(viewer_client):
    grant = awarded_grant()

    response = viewer_client.get(grant.get_absolute_url())

    body = page(response)
    assert response.status_code == 200
    assert 'id="actions"' not in body
    for name in ("grant-edit", "grant-withdraw", "grant-close", "grant-activate"):
        assert reverse(name, args=[grant.pk]) not in body
    assert "Mark as paid" not in body
    assert "History" in text(response)
    assert viewer_client.post(reverse("grant-withdraw", args=[grant.pk])).status_code == 403


def test_officer_sees_the_actions_for_a_draft(officer_client):
    grant = GrantFactory()

    body = page(officer_client.get(grant.get_absolute_url()))

    assert reverse("grant-award", args=[grant.pk]) in body
    assert reverse("grant-schedule-generate", args=[grant.pk]) in body
    assert reverse("grant-edit", args=[grant.pk]) in body


# --- Dashboard and other pages' sections ------------------------------------------------


def test_overdue_payment_panel_shows_a_past_due_scheduled_payment(officer, officer_client):
    today = timezone.localdate()
    overdue = awarded_grant(
        title="Late grant",
        start_date=today - datetime.timedelta(days=100),
        end_date=today + datetime.timedelta(days=200),
    )
    later = awarded_grant(
        title="Future grant",
        start_date=today + datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=300),
    )
    first = overdue.payments.order_by("due_date").first()

    response = officer_client.get(reverse("dashboard"))

    body = page(response)
    assert "Overdue grant payments" in body
    assert overdue.reference in body
    assert later.reference not in body
    assert reverse("grant-payment-paid", args=[overdue.pk, first.pk]) in body
    services.payment_mark_paid(
        payment=first, by=officer, paid_date=today, payment_reference="BACS-9"
    )
    assert reverse("grant-payment-paid", args=[overdue.pk, first.pk]) not in page(
        officer_client.get(reverse("dashboard"))
    )


def test_funding_stream_page_lists_its_grants_with_totals(officer, officer_client):
    stream = FundingStreamFactory(amount=Decimal("100000.00"))
    awarded = awarded_grant(funding_stream=stream, amount=Decimal("20000.00"), title="Awarded")
    GrantFactory(funding_stream=stream, amount=Decimal("5000.00"), title="Still a draft")

    response = officer_client.get(reverse("funding-stream-detail", args=[stream.pk]))

    body = text(response)
    assert "Grants charged to this stream" in body
    assert awarded.reference in body and "Still a draft" in body
    assert "£25,000.00" in element(response, "stream-grant-totals")
    assert "£20,000.00" in element(response, "stream-grant-committed")


def test_workstream_money_tab_lists_its_grants(officer_client, workstream):
    GrantFactory(workstream=workstream, amount=Decimal("1000.00"), title="First")
    GrantFactory(workstream=workstream, amount=Decimal("2000.00"), title="Second")
    GrantFactory(amount=Decimal("4000.00"), title="Elsewhere")

    response = officer_client.get(reverse("workstream-money", args=[workstream.pk]))

    body = text(response)
    assert "First" in body and "Second" in body and "Elsewhere" not in body
    assert "£3,000.00" in element(response, "workstream-grant-totals")
    assert f"{reverse('grant-create')}?workstream={workstream.pk}" in page(response)


def test_a_provider_user_is_not_offered_as_responsible_officer(officer_client, provider):
    response = officer_client.get(reverse("grant-create"))

    officers = response.context["form"].fields["responsible_officer"].queryset
    assert provider not in officers
    assert all(user.role != Role.PROVIDER for user in officers)


def test_direct_award_justification_is_dropped_for_an_open_call(
    officer, officer_client, workstream, stream
):
    data = grant_data(
        workstream=workstream,
        officer=officer,
        recipient=OrganisationFactory(),
        stream=stream,
        direct_award_justification="Left over from an earlier choice",
        dd_fraud_risk=FraudRisk.LOW,
    )

    officer_client.post(reverse("grant-create"), data)

    grant = Grant.objects.get()
    assert grant.direct_award_justification == ""
    assert grant.dd_fraud_risk == FraudRisk.LOW


def test_payments_of_another_grant_are_not_reached_through_this_one(officer_client):
    one, other = awarded_grant(), awarded_grant()
    payment = other.payments.first()

    response = officer_client.get(reverse("grant-payment-paid", args=[one.pk, payment.pk]))

    assert response.status_code == 404
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.SCHEDULED


def test_administrator_edits_area_figures_and_reads_grants_in_django_admin(admin_client_user):
    area = Area.objects.create(
        name="Somerset",
        population=570000,
        population_year=2022,
        population_source="ONS mid-year estimates",
        recorded_crime=40000,
        crime_year="2023/24",
        crime_source="Home Office",
    )
    grant = awarded_grant()

    grant_page = admin_client_user.get(reverse("admin:grants_grant_change", args=[grant.pk]))
    response = admin_client_user.post(
        reverse("admin:grants_area_change", args=[area.pk]),
        {
            "name": "Somerset",
            "geo_code": "E06000066",
            "is_active": "on",
            "local_authority": "",
            "allocation_recipient": "",
            "population": "575000",
            "population_year": "2023",
            "population_source": "ONS mid-year estimates 2023",
            "recorded_crime": "41000",
            "crime_year": "2024/25",
            "crime_source": "Home Office recorded crime",
        },
    )

    assert grant_page.status_code == 200
    assert 'name="amount"' not in page(grant_page)  # read-only
    assert response.status_code == 302
    area.refresh_from_db()
    assert (area.population, area.population_year, area.crime_year) == (575000, 2023, "2024/25")
