"""Underspends: a submitted return that spends below the period's budget by the tolerance
or more, or forecasts an underspend for the year, is flagged and its lead officers are
told at once; it shows on the office's dashboard until someone records what was done,
and money to be returned at year end is recorded against the grant."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commissioning.models import FundingStream, Notification, Role
from contracts import services as contract_services
from grants import services as grant_services
from grants.models import UnderspendReturn
from monitoring.models import UnderspendFlag, UnderspendKind
from tests.factories import ContractFactory, UserFactory, awarded_grant
from tests.monitoring.factories import active_grant
from tests.monitoring.test_review import error_summary, login, page, provider_for, submit, text

pytestmark = pytest.mark.django_db


def underspent_return(
    grant=None, *, spend_share=Decimal("0.5"), forecast_underspend=Decimal("5000")
):
    """Submit the grant's first return spending ``spend_share`` of the period's budget
    and forecasting ``forecast_underspend`` left unspent at the end of the year."""
    grant = grant or active_grant()
    first = grant.return_schedule.returns.order_by("period_start").first()
    return submit(
        first,
        provider_for(grant.recipient),
        actual_spend=(first.budget * spend_share).quantize(Decimal("0.01")),
        forecast_year_end=first.year_budget - forecast_underspend,
        explanation="A caseworker post was vacant for the quarter.",
    )


def test_underspend_on_submit_is_flagged_and_lead_officers_told_at_once(settings):
    settings.UNDERSPEND_TOLERANCE_PERCENT = Decimal("10")
    grant = active_grant()

    monitoring_return = underspent_return(grant)

    flags = {f.kind: f for f in monitoring_return.underspend_flags.all()}
    assert set(flags) == {UnderspendKind.BELOW_PROFILE, UnderspendKind.REPORTED}
    below = flags[UnderspendKind.BELOW_PROFILE]
    assert below.amount == monitoring_return.budget - monitoring_return.actual_spend
    assert below.percentage == Decimal("50.0")
    assert flags[UnderspendKind.REPORTED].amount == Decimal("5000.00")
    assert below.explanation == "A caseworker post was vacant for the quarter."
    leads = {grant.responsible_officer, grant.workstream.lead_officer}
    told = Notification.objects.filter(key__startswith=f"underspend:{monitoring_return.pk}:")
    assert {n.recipient for n in told} == leads
    assert all(n.title == f"Underspend reported: {grant}" for n in told)


def test_spend_within_the_tolerance_and_no_forecast_underspend_is_not_flagged(settings):
    settings.UNDERSPEND_TOLERANCE_PERCENT = Decimal("10")

    monitoring_return = underspent_return(
        spend_share=Decimal("0.91"), forecast_underspend=Decimal("0")
    )

    assert monitoring_return.variance > 0
    assert not UnderspendFlag.objects.exists()
    assert not Notification.objects.filter(key__startswith="underspend:")


def test_the_tolerance_is_a_setting(settings):
    settings.UNDERSPEND_TOLERANCE_PERCENT = Decimal("5")

    monitoring_return = underspent_return(
        spend_share=Decimal("0.91"), forecast_underspend=Decimal("0")
    )

    [flag] = monitoring_return.underspend_flags.all()
    assert flag.kind == UnderspendKind.BELOW_PROFILE
    assert flag.percentage == Decimal("9.0")


def test_dashboard_panel_shows_open_underspends_newest_first_with_and_n_more(client):
    officer = UserFactory(role=Role.OFFICER)
    returns = [underspent_return(forecast_underspend=Decimal("0")) for _ in range(3)]
    newest = returns[-1]
    login(client, officer)

    response = client.get(reverse("dashboard"))

    words = text(response)
    assert "Underspends to act on" in words
    assert "3 underspends reported in returns and not yet dealt with" in words
    assert newest.organisation.name in words
    assert "Record what was done" in words
    assert "more underspend" not in words

    for _ in range(4):
        underspent_return()  # two flags each
    response = client.get(reverse("dashboard"))
    words = text(response)
    assert "11 underspends reported in returns" in words
    assert "And 6 more underspends to act on" in words
    table = re.search(r'id="panel-underspends".*?</table>', page(response), re.DOTALL).group(0)
    assert table.count("<tr") == 1 + 5


def test_viewer_sees_the_panel_but_not_the_resolve_link(client):
    underspent_return()
    login(client, UserFactory(role=Role.VIEWER))

    response = client.get(reverse("dashboard"))

    assert "Underspends to act on" in text(response)
    assert "Record what was done" not in text(response)


def test_provider_does_not_see_the_office_panels(client):
    monitoring_return = underspent_return()
    login(client, provider_for(monitoring_return.organisation))

    response = client.get(reverse("dashboard"))

    assert "Underspends to act on" not in text(response)
    assert "Returns overdue and to review" not in text(response)


def paid_active_grant():
    """An active grant with its first instalment paid."""
    grant = awarded_grant()
    grant = grant_services.grant_activate(grant=grant, by=None)
    payment = grant.payments.order_by("due_date").first()
    grant_services.payment_mark_paid(
        payment=payment, by=grant.responsible_officer, paid_date=timezone.localdate(),
        payment_reference="BACS-1",
    )  # fmt: skip
    return grant, payment


def test_resolving_with_money_to_return_records_it_against_the_grant(client):
    grant, payment = paid_active_grant()
    monitoring_return = underspent_return(grant)
    flag = monitoring_return.underspend_flags.get(kind=UnderspendKind.REPORTED)
    charge = grant.charges.get()
    stream = charge.funding_stream
    spent_before = FundingStream.objects.with_money().get(pk=stream.pk).spent_total
    officer = grant.responsible_officer
    login(client, officer)
    url = reverse("underspend-resolve", args=[flag.pk])

    response = client.get(url)
    assert response.status_code == 200
    assert "Money to be returned at year end (optional)" in text(response)

    response = client.post(
        url,
        {
            "resolution": "Agreed with the provider: £1,000 comes back at year end.",
            "amount_to_return": "1,000",
            "charge": str(charge.pk),
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("underspend-list")
    flag.refresh_from_db()
    assert flag.resolved_at is not None and flag.resolved_by == officer
    assert flag.resolution.startswith("Agreed with the provider")
    returned = UnderspendReturn.objects.get(grant=grant)
    assert returned.amount == Decimal("1000.00")
    assert returned.charge == charge
    assert flag.underspend_return == returned
    spent_after = FundingStream.objects.with_money().get(pk=stream.pk).spent_total
    assert spent_after == spent_before - Decimal("1000.00")
    assert payment.amount >= Decimal("1000")

    response = client.get(reverse("underspend-list"), {"state": "resolved"})
    words = text(response)
    assert "Dealt with" in words
    assert f"£1,000.00 to be returned to {stream}" in words

    response = client.get(url)
    assert "This underspend was dealt with on" in text(response)
    assert 'name="resolution"' not in page(response)


def test_more_money_than_was_paid_is_refused_at_the_field_and_nothing_saved(client):
    grant, payment = paid_active_grant()
    monitoring_return = underspent_return(grant)
    flag = monitoring_return.underspend_flags.get(kind=UnderspendKind.REPORTED)
    login(client, grant.responsible_officer)

    response = client.post(
        reverse("underspend-resolve", args=[flag.pk]),
        {
            "resolution": "Money comes back.",
            "amount_to_return": str(payment.amount + 1),
            "charge": str(grant.charges.get().pk),
        },
    )

    assert response.status_code == 200
    [message] = error_summary(response)
    assert message == (
        f"Only £{payment.amount:,.2f} has been paid from this funding stream and not returned"
    )
    assert "Money comes back." in page(response)
    flag.refresh_from_db()
    assert flag.resolved_at is None
    assert not UnderspendReturn.objects.exists()


def test_resolution_text_is_required(client):
    monitoring_return = underspent_return()
    flag = monitoring_return.underspend_flags.first()
    login(client, UserFactory(role=Role.MANAGER))

    response = client.post(reverse("underspend-resolve", args=[flag.pk]), {"resolution": " "})

    assert error_summary(response) == ["Enter what was done about the underspend"]
    flag.refresh_from_db()
    assert flag.resolved_at is None


def test_a_contract_underspend_is_resolved_without_money_fields(client):
    contract = ContractFactory()
    contract = contract_services.contract_go_live(
        contract=contract, by=contract.responsible_officer, went_live_on=contract.start_date
    )
    first = contract.return_schedule.returns.order_by("period_start").first()
    submit(
        first,
        provider_for(contract.supplier),
        actual_spend=Decimal("0"),
        forecast_year_end=first.year_budget,
        explanation="Mobilisation was late.",
    )
    flag = UnderspendFlag.objects.get(monitoring_return=first)
    login(client, contract.responsible_officer)
    url = reverse("underspend-resolve", args=[flag.pk])

    response = client.get(url)
    assert 'name="amount_to_return"' not in page(response)

    response = client.post(url, {"resolution": "Spend profile revised at the meeting."})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.resolution == "Spend profile revised at the meeting."
    assert flag.underspend_return is None


def test_underspend_list_filters_open_and_resolved(client):
    open_return = underspent_return()
    resolved_return = underspent_return()
    manager = UserFactory(role=Role.MANAGER)
    from monitoring import services

    for flag in resolved_return.underspend_flags.all():
        services.underspend_resolve(flag=flag, by=manager, resolution="Carried forward.")
    login(client, UserFactory(role=Role.VIEWER))

    response = client.get(reverse("underspend-list"))
    assert response.status_code == 200
    assert "4 underspends" in text(response)

    response = client.get(reverse("underspend-list"), {"state": "open"})
    words = text(response)
    assert "2 underspends" in words
    assert open_return.organisation.name in words
    assert resolved_return.organisation.name not in words
    assert "Record what was done" not in words  # a viewer changes nothing


def test_underspend_list_costs_the_same_for_2_or_20_flags(client):
    login(client, UserFactory(role=Role.OFFICER))

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("underspend-list"))
        assert response.status_code == 200
        return len(captured)

    underspent_return()  # two flags
    manager = UserFactory(role=Role.MANAGER)
    from monitoring import services

    few = count_queries()
    for _ in range(9):
        underspent_return()
    for flag in UnderspendFlag.objects.all()[:5]:
        services.underspend_resolve(flag=flag, by=manager, resolution="Carried forward.")
    assert UnderspendFlag.objects.count() == 20
    assert count_queries() == few
