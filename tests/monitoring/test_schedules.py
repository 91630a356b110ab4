"""Return schedules: one return per financial-year period of the agreement (quarterly, or
mid-year and year-end), due a set number of days after the period ends, kept in step as
the agreement's dates, frequency or due days change; a return with anything in it is
never removed. Also the schedule's pages, the agreement pages' returns section and the
sweep that gives imported agreements their schedule."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from commissioning.models import Role
from contracts import services as contract_services
from monitoring import services
from monitoring.models import (
    Frequency,
    MeasureTarget,
    MonitoringReturn,
    OutcomeFramework,
    OutcomeMeasure,
    ReturnSchedule,
    ReturnStatus,
)
from monitoring.tasks_office import sync_return_schedules
from tests.factories import ContractFactory, GrantFactory, UserFactory
from tests.monitoring.factories import active_grant
from tests.monitoring.test_review import error_summary, login, page, provider_for, submit, text

pytestmark = pytest.mark.django_db

D = datetime.date


def rows(schedule) -> list[tuple[str, str, datetime.date, datetime.date, datetime.date]]:
    return [
        (r.period_key, r.period_label, r.period_start, r.period_end, r.due_date)
        for r in schedule.returns.order_by("period_start")
    ]


# --- Periods ----------------------------------------------------------------------------


def test_quarterly_periods_across_financial_years_are_cut_to_the_agreement():
    periods = services.agreement_periods(D(2025, 5, 15), D(2026, 8, 31), Frequency.QUARTERLY)

    assert [(p.key, p.label, p.start, p.end) for p in periods] == [
        ("2025-Q1", "Quarter 1 2025/26", D(2025, 5, 15), D(2025, 6, 30)),
        ("2025-Q2", "Quarter 2 2025/26", D(2025, 7, 1), D(2025, 9, 30)),
        ("2025-Q3", "Quarter 3 2025/26", D(2025, 10, 1), D(2025, 12, 31)),
        ("2025-Q4", "Quarter 4 2025/26", D(2026, 1, 1), D(2026, 3, 31)),
        ("2026-Q1", "Quarter 1 2026/27", D(2026, 4, 1), D(2026, 6, 30)),
        ("2026-Q2", "Quarter 2 2026/27", D(2026, 7, 1), D(2026, 8, 31)),
    ]


def test_grant_quarterly_schedule_has_six_returns_due_28_days_after_each_period():
    grant = active_grant(start_date=D(2025, 5, 15), end_date=D(2026, 8, 31))
    schedule = grant.return_schedule

    assert schedule.frequency == Frequency.QUARTERLY
    assert schedule.due_days == 28
    assert rows(schedule) == [
        ("2025-Q1", "Quarter 1 2025/26", D(2025, 5, 15), D(2025, 6, 30), D(2025, 7, 28)),
        ("2025-Q2", "Quarter 2 2025/26", D(2025, 7, 1), D(2025, 9, 30), D(2025, 10, 28)),
        ("2025-Q3", "Quarter 3 2025/26", D(2025, 10, 1), D(2025, 12, 31), D(2026, 1, 28)),
        ("2025-Q4", "Quarter 4 2025/26", D(2026, 1, 1), D(2026, 3, 31), D(2026, 4, 28)),
        ("2026-Q1", "Quarter 1 2026/27", D(2026, 4, 1), D(2026, 6, 30), D(2026, 7, 28)),
        ("2026-Q2", "Quarter 2 2026/27", D(2026, 7, 1), D(2026, 8, 31), D(2026, 9, 28)),
    ]
    returns = list(schedule.returns.all())
    assert all(r.status == ReturnStatus.DUE for r in returns)
    assert all(r.organisation == grant.recipient for r in returns)
    # The budgets profile the whole grant, to the penny.
    assert sum(r.budget for r in returns) == pytest.approx(grant.amount, abs=Decimal("0.05"))


def test_grant_half_yearly_schedule_has_mid_year_and_year_end_returns():
    grant = active_grant(
        start_date=D(2025, 5, 15),
        end_date=D(2026, 8, 31),
        monitoring_frequency=Frequency.HALF_YEARLY,
    )

    assert rows(grant.return_schedule) == [
        ("2025-H1", "Mid-year 2025/26", D(2025, 5, 15), D(2025, 9, 30), D(2025, 10, 28)),
        ("2025-H2", "Year-end 2025/26", D(2025, 10, 1), D(2026, 3, 31), D(2026, 4, 28)),
        ("2026-H1", "Mid-year 2026/27", D(2026, 4, 1), D(2026, 8, 31), D(2026, 9, 28)),
    ]


def test_schedule_sync_is_idempotent():
    grant = active_grant(start_date=D(2025, 5, 15), end_date=D(2026, 8, 31))
    before = rows(grant.return_schedule)

    services.schedule_sync(agreement=grant)
    services.schedule_sync(agreement=grant)

    assert ReturnSchedule.objects.filter(grant=grant).count() == 1
    assert rows(grant.return_schedule) == before


# --- Date and frequency changes ---------------------------------------------------------


def live_contract(**kwargs):
    contract = ContractFactory(**kwargs)
    return contract_services.contract_go_live(
        contract=contract, by=contract.responsible_officer, went_live_on=contract.start_date
    )


def test_contract_going_live_gets_its_schedule_and_an_extension_adds_returns():
    contract = live_contract(start_date=D(2025, 4, 1), end_date=D(2027, 3, 31))
    schedule = contract.return_schedule
    assert [key for key, *_ in rows(schedule)] == [
        f"{year}-Q{n}" for year in (2025, 2026) for n in (1, 2, 3, 4)
    ]
    officer = contract.responsible_officer
    option = contract_services.extension_option_add(contract=contract, by=officer, months=6)

    contract_services.extension_exercise(option=option, by=officer, on=D(2026, 9, 1))

    assert [key for key, *_ in rows(schedule)][-2:] == ["2027-Q1", "2027-Q2"]
    assert schedule.returns.count() == 10
    last = schedule.returns.order_by("period_start").last()
    assert (last.period_end, last.due_date) == (D(2027, 9, 30), D(2027, 10, 28))


def test_termination_removes_untouched_later_returns_and_keeps_a_submitted_one():
    contract = live_contract(start_date=D(2025, 4, 1), end_date=D(2027, 3, 31))
    schedule = contract.return_schedule
    provider = provider_for(contract.supplier)
    later = schedule.returns.get(period_key="2026-Q1")
    submit(later, provider)

    contract_services.contract_terminate(
        contract=contract,
        by=contract.responsible_officer,
        terminated_on=D(2025, 11, 15),
        reason="The provider withdrew from the service.",
        clause="Clause 30.1",
    )

    assert [key for key, *_ in rows(schedule)] == ["2025-Q1", "2025-Q2", "2025-Q3", "2026-Q1"]
    cut = schedule.returns.get(period_key="2025-Q3")
    assert (cut.period_end, cut.due_date) == (D(2025, 11, 15), D(2025, 12, 13))
    assert schedule.returns.get(period_key="2026-Q1").status == ReturnStatus.SUBMITTED


def test_frequency_change_replaces_untouched_returns_and_keeps_submitted_ones():
    grant = active_grant()  # 2025/26, quarterly
    schedule = grant.return_schedule
    first = schedule.returns.get(period_key="2025-Q1")
    submit(first, provider_for(grant.recipient))

    grant.monitoring_frequency = Frequency.HALF_YEARLY
    grant.save(update_fields=["monitoring_frequency"])
    services.schedule_sync(agreement=grant)

    schedule.refresh_from_db()
    assert schedule.frequency == Frequency.HALF_YEARLY
    assert [key for key, *_ in rows(schedule)] == ["2025-Q1", "2025-H1", "2025-H2"]
    assert schedule.returns.get(period_key="2025-Q1").status == ReturnStatus.SUBMITTED


def test_due_days_change_moves_only_unsubmitted_due_dates(client):
    grant = active_grant()
    schedule = grant.return_schedule
    submitted = submit(schedule.returns.get(period_key="2025-Q1"), provider_for(grant.recipient))
    draft = services.return_save_narrative(
        monitoring_return=schedule.returns.get(period_key="2025-Q2"),
        by=provider_for(grant.recipient),
        version=None,
        complete=False,
        went_well="Started",
    )
    login(client, grant.responsible_officer)

    response = client.post(
        reverse("schedule-edit", args=[schedule.pk]), {"due_days": "14", "framework": ""}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("schedule-detail", args=[schedule.pk])
    schedule.refresh_from_db()
    assert schedule.due_days == 14
    due = {r.period_key: r.due_date for r in schedule.returns.all()}
    assert due["2025-Q1"] == submitted.due_date == D(2025, 7, 28)
    assert due["2025-Q2"] == D(2025, 10, 14)  # the draft moves
    assert due["2025-Q3"] == D(2026, 1, 14)
    assert due["2025-Q4"] == D(2026, 4, 14)
    assert draft.status == ReturnStatus.DRAFT


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("181", "Enter a number of days from 0 to 180"),
        ("-1", "Enter a number of days from 0 to 180"),
        ("four weeks", "Enter the number of days as a whole number, like 28"),
        ("", "Enter the number of days after each period that a return is due"),
    ],
)
def test_due_days_out_of_range_is_refused_at_the_field(client, value, message):
    grant = active_grant()
    schedule = grant.return_schedule
    login(client, grant.responsible_officer)

    response = client.post(
        reverse("schedule-edit", args=[schedule.pk]), {"due_days": value, "framework": ""}
    )

    assert response.status_code == 200
    assert error_summary(response) == [message]
    schedule.refresh_from_db()
    assert schedule.due_days == 28


# --- Schedule pages ---------------------------------------------------------------------


@pytest.fixture
def framework():
    framework = OutcomeFramework.objects.create(name="Local victim services")
    OutcomeMeasure.objects.create(framework=framework, name="Referrals received", order=1)
    OutcomeMeasure.objects.create(
        framework=framework, name="Victims supported", order=2, description="Given support"
    )
    return framework


def test_schedule_page_shows_frequency_due_days_framework_targets_and_returns(client, framework):
    grant = active_grant()
    schedule = services.schedule_update(
        schedule=grant.return_schedule,
        by=grant.responsible_officer,
        due_days=28,
        framework=framework,
    )
    measure = framework.measures.get(name="Referrals received")
    services.target_set(
        schedule=schedule, by=grant.responsible_officer, measure=measure, target=Decimal("40")
    )
    login(client, UserFactory(role=Role.VIEWER))

    response = client.get(reverse("schedule-detail", args=[schedule.pk]))

    assert response.status_code == 200
    words = text(response)
    assert "Quarterly" in words
    assert "28 days after each period ends" in words
    assert "Local victim services" in words
    assert "Referrals received 40 people" in words
    assert "Victims supported No target" in words
    for label in ("Quarter 1 2025/26", "Quarter 4 2025/26"):
        assert label in words
    assert "Overdue" in words  # 2025/26's returns are all past due and not started
    assert reverse("schedule-edit", args=[schedule.pk]) not in page(response)  # a viewer


def test_targets_are_set_changed_and_cleared_per_measure(client, framework):
    grant = active_grant()
    schedule = grant.return_schedule
    services.schedule_update(
        schedule=schedule, by=grant.responsible_officer, due_days=28, framework=framework
    )
    referrals = framework.measures.get(name="Referrals received")
    supported = framework.measures.get(name="Victims supported")
    login(client, UserFactory(role=Role.MANAGER))
    url = reverse("schedule-targets", args=[schedule.pk])

    response = client.post(
        url, {f"measure_{referrals.pk}": "40", f"measure_{supported.pk}": "25.5"}
    )
    assert response.status_code == 302
    assert dict(MeasureTarget.objects.values_list("measure__name", "target")) == {
        "Referrals received": Decimal("40.00"),
        "Victims supported": Decimal("25.50"),
    }

    response = client.get(url)
    assert 'value="40.00"' in page(response)

    response = client.post(url, {f"measure_{referrals.pk}": "45", f"measure_{supported.pk}": ""})
    assert response.status_code == 302
    assert dict(MeasureTarget.objects.values_list("measure__name", "target")) == {
        "Referrals received": Decimal("45.00")
    }


def test_a_bad_target_is_refused_at_its_field_and_nothing_is_saved(client, framework):
    grant = active_grant()
    schedule = grant.return_schedule
    services.schedule_update(
        schedule=schedule, by=grant.responsible_officer, due_days=28, framework=framework
    )
    referrals = framework.measures.get(name="Referrals received")
    supported = framework.measures.get(name="Victims supported")
    login(client, grant.responsible_officer)

    response = client.post(
        reverse("schedule-targets", args=[schedule.pk]),
        {f"measure_{referrals.pk}": "40", f"measure_{supported.pk}": "-3"},
    )

    assert response.status_code == 200
    assert error_summary(response) == ["Enter a target for Victims supported of 0 or more"]
    assert 'value="40"' in page(response)
    assert not MeasureTarget.objects.exists()


def test_targets_page_asks_for_a_framework_first(client):
    grant = active_grant()
    login(client, grant.responsible_officer)

    response = client.get(reverse("schedule-targets", args=[grant.return_schedule.pk]))

    assert response.status_code == 200
    assert "Choose an outcome framework for it first" in text(response)


def test_grant_and_contract_pages_list_their_returns(client):
    grant = active_grant()
    contract = live_contract()
    draft_grant = GrantFactory()
    login(client, UserFactory(role=Role.OFFICER))

    response = client.get(grant.get_absolute_url())
    words = text(response)
    assert "Monitoring returns" in words
    assert "Quarterly returns, each due 28 days after its period ends" in words
    assert "Quarter 2 2025/26 1 July 2025 to 30 September 2025 28 October 2025" in words
    assert reverse("schedule-detail", args=[grant.return_schedule.pk]) in page(response)

    response = client.get(contract.get_absolute_url())
    assert "Quarter 1 2027/28" in text(response)
    assert reverse("schedule-detail", args=[contract.return_schedule.pk]) in page(response)

    response = client.get(draft_grant.get_absolute_url())
    assert "This grant has no monitoring returns yet" in text(response)


def test_provider_sees_their_returns_on_the_grant_page_without_the_schedule_link(client):
    grant = active_grant()
    login(client, provider_for(grant.recipient))

    response = client.get(grant.get_absolute_url())

    assert response.status_code == 200
    assert "Quarter 1 2025/26" in text(response)
    assert reverse("schedule-detail", args=[grant.return_schedule.pk]) not in page(response)


# --- Agreements without a schedule ------------------------------------------------------


def test_sync_command_and_task_make_missing_schedules_once():
    imported = active_grant()
    imported.return_schedule.delete()
    contract = live_contract()
    contract.return_schedule.delete()
    ended = live_contract(start_date=D(2022, 4, 1), end_date=D(2024, 3, 31))
    ended.return_schedule.delete()
    draft = GrantFactory()

    call_command("sync_return_schedules", stdout=(out := _Buffer()))

    assert "2 return schedules made" in out.text
    assert ReturnSchedule.objects.filter(grant=imported).exists()
    assert ReturnSchedule.objects.filter(contract=contract).exists()
    assert not ReturnSchedule.objects.filter(contract=ended).exists()
    assert not ReturnSchedule.objects.filter(grant=draft).exists()
    count = MonitoringReturn.objects.count()

    assert sync_return_schedules.delay().get() == 0  # the daily task: nothing left to do
    assert MonitoringReturn.objects.count() == count
    assert timezone.localdate() > ended.end_date


class _Buffer:
    def __init__(self):
        self.text = ""

    def write(self, value):
        self.text += value

    def flush(self):
        pass
