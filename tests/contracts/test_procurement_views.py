"""The procurement pages: designing the evaluation, scoring, moderation, the ranked
evaluation table and its export, the award, and keeping providers out."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from contracts import services
from contracts.models import (
    ModeratedScore,
    PanelScore,
    Procurement,
    ProcurementStatus,
    SuitabilityGround,
)
from tests.factories import BidFactory, OrganisationFactory, ProcurementFactory, WorkstreamFactory

pytestmark = pytest.mark.django_db

ALL_PASS = dict.fromkeys(SuitabilityGround.values, (True, ""))


def _procurement_data(workstream, **overrides):
    data = {
        "workstream": workstream.pk,
        "title": "Victim services 2025",
        "route": "procurement_service",
        "estimated_annual_value": "400000",
        "estimated_whole_life_value": "2000000",
        "quality_weight": "60",
        "price_weight": "30",
        "social_value_weight": "10",
        "score_scale_max": "5",
    }
    data.update(overrides)
    return data


def _scored(procurement, supplier_name, price, quality, social, *, suitable=True):
    """A bid with every ground assessed and its one question moderated."""
    bid = BidFactory(
        procurement=procurement,
        supplier=OrganisationFactory(name=supplier_name),
        price=Decimal(price),
    )
    results = dict(ALL_PASS)
    if not suitable:
        results[SuitabilityGround.MISREPRESENTATION] = (False, "False statements in the bid")
    services.suitability_record(
        bid=bid, by=None, results=results, social_value_score=Decimal(social)
    )
    for question in procurement.questions.all():
        services.moderate(bid=bid, question=question, by=None, score=Decimal(quality))
    return bid


@pytest.fixture
def evaluated():
    """Weights 60/30/10, scale 0-5, one quality question (100%).

    Alpha: £100,000, quality 4, social 3 -> 48.00 + 24.00 + 6.00 = 78.00 (rank 1)
    Beta:  £80,000,  quality 3, social 5 -> 36.00 + 30.00 + 10.00 = 76.00 (rank 2)
    Gamma: £50,000, failed suitability (not ranked, and not the lowest price)."""
    procurement = ProcurementFactory(title="Victim services 2025")
    services.question_add(
        procurement=procurement, by=None, text="How will you reach victims?", weight=Decimal(100)
    )
    alpha = _scored(procurement, "Alpha Support", "100000", 4, 3)
    beta = _scored(procurement, "Beta Care", "80000", 3, 5)
    gamma = _scored(procurement, "Gamma Services", "50000", 5, 5, suitable=False)
    return procurement, alpha, beta, gamma


def test_officer_adds_a_procurement(officer_client):
    workstream = WorkstreamFactory()
    response = officer_client.post(reverse("procurement-create"), _procurement_data(workstream))
    procurement = Procurement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("procurement-detail", args=[procurement.pk])
    assert (
        officer_client.get(reverse("procurement-list"))
        .content.decode()
        .count("Victim services 2025")
    )


def test_weights_not_totalling_100_are_refused_at_the_quality_weight(officer_client):
    workstream = WorkstreamFactory()
    response = officer_client.post(
        reverse("procurement-create"), _procurement_data(workstream, social_value_weight="20")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "add up to 110" in errors["quality_weight"][0]
    assert "must add up to 100%" in response.content.decode()
    assert not Procurement.objects.exists()


def test_over_the_threshold_a_framework_route_is_refused_at_the_route(officer_client):
    workstream = WorkstreamFactory()
    response = officer_client.post(
        reverse("procurement-create"), _procurement_data(workstream, route="framework")
    )
    assert response.status_code == 200
    assert "procurement-service route is required" in response.context["form"].errors["route"][0]
    assert not Procurement.objects.exists()


def test_a_score_outside_the_scale_is_refused_at_its_question(officer_client, officer):
    procurement = ProcurementFactory()
    question = services.question_add(
        procurement=procurement, by=None, text="Quality?", weight=Decimal(100)
    )
    bid = BidFactory(procurement=procurement)
    url = reverse("procurement-bid-scores", args=[procurement.pk, bid.pk])
    response = officer_client.post(url, {"panel_member": officer.pk, f"score_{question.pk}": "6"})
    assert response.status_code == 200
    assert response.context["form"].errors[f"score_{question.pk}"] == ["Enter a score from 0 to 5"]
    assert not PanelScore.objects.exists()

    response = officer_client.post(url, {"panel_member": officer.pk, f"score_{question.pk}": "4"})
    assert response.status_code == 302
    assert PanelScore.objects.get().score == Decimal(4)


def test_moderation_different_from_the_average_needs_a_reason(officer_client, officer, manager):
    procurement = ProcurementFactory()
    question = services.question_add(
        procurement=procurement, by=None, text="Quality?", weight=Decimal(100)
    )
    bid = BidFactory(procurement=procurement)
    for member, score in ((officer, 4), (manager, 2)):
        services.panel_score_record(
            bid=bid, question=question, panel_member=member, score=Decimal(score)
        )
    url = reverse("procurement-bid-moderation", args=[procurement.pk, bid.pk])
    page = officer_client.get(url).content.decode()
    assert "panel average 3.00" in page

    data = {f"score_{question.pk}": "4", f"reason_{question.pk}": "", "social_value_score": "3"}
    response = officer_client.post(url, data)
    assert response.status_code == 200
    assert "average of 3.00" in response.context["form"].errors[f"reason_{question.pk}"][0]
    assert not ModeratedScore.objects.exists()
    bid.refresh_from_db()
    assert bid.social_value_score is None

    data[f"reason_{question.pk}"] = "The panel agreed the mobilisation plan was strong"
    assert officer_client.post(url, data).status_code == 302
    assert ModeratedScore.objects.get().score == Decimal(4)
    bid.refresh_from_db()
    assert bid.social_value_score == Decimal(3)


def test_the_evaluation_table_shows_totals_and_ranks(officer_client, evaluated):
    procurement, alpha, beta, _gamma = evaluated
    response = officer_client.get(reverse("procurement-detail", args=[procurement.pk]))
    assert response.status_code == 200
    rows = {r.bid.pk: r for r in response.context["results"]}
    assert (rows[alpha.pk].quality, rows[alpha.pk].price, rows[alpha.pk].social_value) == (
        Decimal("48.00"),
        Decimal("24.00"),
        Decimal("6.00"),
    )
    assert (rows[alpha.pk].total, rows[alpha.pk].rank) == (Decimal("78.00"), 1)
    assert (rows[beta.pk].total, rows[beta.pk].rank) == (Decimal("76.00"), 2)
    page = response.content.decode()
    assert "78.00" in page and "76.00" in page
    assert "Misrepresentation: failed" in page
    assert page.index("Alpha Support") < page.index("Beta Care", page.index('id="evaluation"'))


def test_award_to_a_supplier_that_failed_suitability_is_refused(officer_client, evaluated):
    procurement, _alpha, _beta, gamma = evaluated
    response = officer_client.post(
        reverse("procurement-award", args=[procurement.pk]), {"bid": gamma.pk}
    )
    assert response.status_code == 200
    assert "did not pass supplier suitability" in response.context["form"].errors["bid"][0]
    procurement.refresh_from_db()
    assert procurement.status != ProcurementStatus.AWARDED


def test_award_to_a_lower_ranked_supplier_needs_a_decision(officer_client, evaluated):
    procurement, _alpha, beta, _gamma = evaluated
    response = officer_client.post(
        reverse("procurement-award", args=[procurement.pk]), {"bid": beta.pk}
    )
    assert response.status_code == 200
    error = response.context["form"].errors["bid"][0]
    assert "Beta Care is ranked 2" in error and "approved contract-award decision" in error
    procurement.refresh_from_db()
    assert procurement.status != ProcurementStatus.AWARDED


def test_award_to_the_top_ranked_supplier_succeeds(officer_client, evaluated):
    procurement, alpha, _beta, _gamma = evaluated
    url = reverse("procurement-award", args=[procurement.pk])
    response = officer_client.post(url, {"bid": alpha.pk}, follow=True)
    assert response.status_code == 200
    procurement.refresh_from_db()
    assert procurement.status == ProcurementStatus.AWARDED
    assert f'href="/contracts/new/?procurement={procurement.pk}"' in response.content.decode()
    assert "Enter the contract" in response.content.decode()


def test_the_evaluation_downloads_as_a_sheet(officer_client, evaluated):
    procurement, *_ = evaluated
    response = officer_client.get(reverse("procurement-evaluation-export", args=[procurement.pk]))
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Rank", "Supplier")
    assert rows[1][:2] == (1, "Alpha Support")
    assert Decimal(str(rows[1][-1])) == Decimal("78.00")
    assert rows[2][:2] == (2, "Beta Care")
    assert rows[3][1] == "Gamma Services" and "Misrepresentation" in rows[3][4]


def test_providers_are_kept_out_of_every_procurement_page(provider_client, evaluated):
    procurement, alpha, *_ = evaluated
    list_urls = [reverse("procurement-list"), reverse("procurement-create")]
    object_urls = [
        reverse(name, args=[procurement.pk])
        for name in (
            "procurement-detail",
            "procurement-edit",
            "procurement-evaluation-export",
            "procurement-question-add",
            "procurement-bid-add",
            "procurement-award",
        )
    ] + [
        reverse(name, args=[procurement.pk, alpha.pk])
        for name in (
            "procurement-bid-suitability",
            "procurement-bid-scores",
            "procurement-bid-moderation",
        )
    ]
    for url in list_urls:
        assert provider_client.get(url).status_code == 403, url
    for url in object_urls:
        assert provider_client.get(url).status_code == 404, url
        assert provider_client.post(url).status_code == 404, url


def test_officer_records_a_question_a_bid_and_its_suitability(officer_client):
    procurement = ProcurementFactory()
    detail = reverse("procurement-detail", args=[procurement.pk])
    response = officer_client.post(
        reverse("procurement-question-add", args=[procurement.pk]),
        {"text": "How will you reach victims?", "weight": "100"},
    )
    assert response["Location"] == detail
    supplier = OrganisationFactory(name="Alpha Support")
    bid_url = reverse("procurement-bid-add", args=[procurement.pk])
    assert officer_client.post(bid_url, {"supplier": supplier.pk, "price": "£90,000"}).status_code
    bid = procurement.bids.get()
    assert bid.price == Decimal("90000")
    again = officer_client.post(bid_url, {"supplier": supplier.pk, "price": "1000"})
    assert "Alpha Support has already bid" in again.context["form"].errors["supplier"][0]

    url = reverse("procurement-bid-suitability", args=[procurement.pk, bid.pk])
    data = {f"result_{ground}": "pass" for ground in SuitabilityGround.values}
    data["modern_slavery_applies"] = "on"
    response = officer_client.post(url, data)
    assert (
        "modern slavery statement"
        in (response.context["form"].errors["modern_slavery_statement_url"][0])
    )
    data["modern_slavery_statement_url"] = "https://alpha.example.org/modern-slavery"
    assert officer_client.post(url, data)["Location"] == detail
    assert services.suitability_problems(bid) == []
    assert "Suitable" in officer_client.get(detail).content.decode()


def test_officer_edits_the_timetable_and_sees_it_on_the_page(officer_client):
    procurement = ProcurementFactory(title="Appropriate adults")
    url = reverse("procurement-edit", args=[procurement.pk])
    assert officer_client.get(url).status_code == 200
    data = _procurement_data(procurement.workstream, title="Appropriate adults")
    data.update({"go_live_date_0": "1", "go_live_date_1": "4", "go_live_date_2": "2025"})
    response = officer_client.post(url, data)
    assert response.status_code == 302
    procurement.refresh_from_db()
    assert procurement.go_live_date.isoformat() == "2025-04-01"
    page = officer_client.get(reverse("procurement-detail", args=[procurement.pk]))
    assert "1 April 2025" in page.content.decode()


def test_entering_the_contract_after_an_award_starts_from_the_winning_bid(officer_client):
    from contracts.models import Procurement, ProcurementStatus
    from tests.factories import BidFactory, ProcurementFactory

    procurement = ProcurementFactory(title="Adults Service 2025")
    bid = BidFactory(procurement=procurement)
    Procurement.objects.filter(pk=procurement.pk).update(
        status=ProcurementStatus.AWARDED, awarded_bid=bid
    )

    response = officer_client.get(reverse("contract-create"), {"procurement": procurement.pk})

    text = response.content.decode()
    assert response.status_code == 200
    assert 'value="Adults Service 2025"' in text
    assert f'<option value="{bid.supplier.pk}" selected>' in text
