"""Re-commissioning warnings: a contract end with nothing lined up to replace it shows
on the dashboard at 18, 12 and 6 months ahead."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from commissioning.dates import add_months
from tests.factories import MilestoneFactory, WorkstreamFactory
from workstreams.models import MilestoneKind, WorkstreamStatus
from workstreams.selectors import recommissioning_warnings

TODAY = datetime.date(2025, 1, 15)


def contract_end(months: int, *, today: datetime.date = TODAY, **kwargs):
    return MilestoneFactory(
        kind=MilestoneKind.CONTRACT_END,
        date=add_months(today, months),
        title=kwargs.pop("title", f"Contract ends in {months} months"),
        **kwargs,
    )


def flagged(today: datetime.date = TODAY) -> dict[str, int]:
    return {w.milestone.title: w.horizon_months for w in recommissioning_warnings(today=today)}


@pytest.mark.django_db
def test_contract_ends_are_flagged_at_the_nearest_horizon():
    for months in (5, 11, 17, 19):
        contract_end(months)

    assert flagged() == {
        "Contract ends in 5 months": 6,
        "Contract ends in 11 months": 12,
        "Contract ends in 17 months": 18,
    }


@pytest.mark.django_db
def test_warnings_come_nearest_first():
    for months in (17, 5, 11):
        contract_end(months)

    dates = [w.milestone.date for w in recommissioning_warnings(today=TODAY)]

    assert dates == sorted(dates) and len(dates) == 3


@pytest.mark.django_db
def test_a_contract_that_has_already_ended_is_not_flagged():
    contract_end(-1)

    assert flagged() == {}


@pytest.mark.django_db
def test_only_contract_ends_are_flagged():
    MilestoneFactory(kind=MilestoneKind.FUNDING_END, date=add_months(TODAY, 5))
    MilestoneFactory(kind=MilestoneKind.REVIEW, date=add_months(TODAY, 5))

    assert flagged() == {}


@pytest.mark.django_db
def test_a_new_contract_due_on_or_after_the_end_covers_it():
    on_the_day = contract_end(5, title="Covered on the day")
    MilestoneFactory(
        workstream=on_the_day.workstream,
        kind=MilestoneKind.NEW_CONTRACT_DUE,
        date=on_the_day.date,
    )
    after = contract_end(11, title="Covered after")
    MilestoneFactory(
        workstream=after.workstream,
        kind=MilestoneKind.NEW_CONTRACT_DUE,
        date=after.date + datetime.timedelta(days=1),
    )

    assert flagged() == {}


@pytest.mark.django_db
def test_a_new_contract_due_before_the_end_does_not_cover_it():
    end = contract_end(11, title="Not covered")
    MilestoneFactory(
        workstream=end.workstream,
        kind=MilestoneKind.NEW_CONTRACT_DUE,
        date=end.date - datetime.timedelta(days=30),
    )

    assert flagged() == {"Not covered": 12}


@pytest.mark.django_db
def test_another_workstreams_new_contract_does_not_cover_it():
    contract_end(5, title="Still flagged")
    MilestoneFactory(kind=MilestoneKind.NEW_CONTRACT_DUE, date=add_months(TODAY, 6))

    assert flagged() == {"Still flagged": 6}


@pytest.mark.django_db
def test_a_successor_workstream_covers_it():
    end = contract_end(5, title="Re-commissioned")
    WorkstreamFactory(predecessor=end.workstream, status=WorkstreamStatus.PROPOSED)

    assert flagged() == {}


@pytest.mark.django_db
def test_a_declined_successor_does_not_cover_it():
    end = contract_end(5, title="Successor declined")
    WorkstreamFactory(predecessor=end.workstream, status=WorkstreamStatus.DECLINED)

    assert flagged() == {"Successor declined": 6}


# --- The dashboard ---------------------------------------------------------------------


def dashboard_ends():
    """Contract ends at 5, 11, 17 and 19 months from the real today."""
    today = timezone.localdate()
    return [
        contract_end(months, today=today, title=f"Ends in {months} months")
        for months in (5, 11, 17, 19)
    ]


@pytest.mark.django_db
def test_the_officer_dashboard_shows_each_warning_under_its_horizon(officer_client):
    ends = dashboard_ends()

    content = officer_client.get("/").content.decode()

    assert "Contracts to re-commission" in content
    for label, tag in (
        ("Within 6 months", "govuk-tag--red"),
        ("Within 12 months", "govuk-tag--orange"),
        ("Within 18 months", "govuk-tag--yellow"),
    ):
        assert f'<strong class="govuk-tag {tag}">{label}</strong>' in content
    assert (
        content.index("Within 6 months")
        < content.index("Ends in 5 months")
        < content.index("Within 12 months")
        < content.index("Ends in 11 months")
        < content.index("Within 18 months")
        < content.index("Ends in 17 months")
    )
    assert "Ends in 19 months" not in content
    first = ends[0]
    assert first.workstream.get_absolute_url() in content
    assert str(first.workstream.lead_officer) in content
    assert f"{first.date.day} {first.date:%B %Y}" in content


@pytest.mark.django_db
def test_the_dashboard_says_so_when_nothing_needs_re_commissioning(officer_client):
    contract_end(19, today=timezone.localdate())

    content = officer_client.get("/").content.decode()

    assert "No contract ends in the next 18 months without a successor." in content
    assert "Within 6 months" not in content


@pytest.mark.django_db
@pytest.mark.parametrize("client_fixture", ["manager_client", "viewer_client", "admin_client_user"])
def test_managers_viewers_and_admins_see_the_warnings(request, client_fixture):
    dashboard_ends()
    client = request.getfixturevalue(client_fixture)

    content = client.get("/").content.decode()

    assert "Contracts to re-commission" in content
    assert "Ends in 5 months" in content


@pytest.mark.django_db
def test_a_providers_dashboard_shows_no_warnings(provider_client):
    dashboard_ends()

    response = provider_client.get("/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Contracts to re-commission" not in content
    assert "Ends in 5 months" not in content
    assert "Coming up on the forward plan" not in content


@pytest.mark.django_db
def test_the_officer_dashboard_shows_the_next_five_milestones_within_90_days(officer_client):
    today = timezone.localdate()
    for days in (80, 10, 30, 40, 50, 60):
        MilestoneFactory(date=today + datetime.timedelta(days=days), title=f"In {days} days")
    MilestoneFactory(date=today + datetime.timedelta(days=95), title="In 95 days")
    MilestoneFactory(date=today - datetime.timedelta(days=1), title="Yesterday")

    content = officer_client.get("/").content.decode()

    assert "Coming up on the forward plan" in content
    shown = [f"In {days} days" for days in (10, 30, 40, 50, 60)]
    assert all(title in content for title in shown)
    assert [content.index(title) for title in shown] == sorted(
        content.index(title) for title in shown
    )
    assert "In 80 days" not in content  # the sixth
    assert "In 95 days" not in content and "Yesterday" not in content
    assert 'href="/workstreams/forward-plan/"' in content


@pytest.mark.django_db
def test_the_viewer_dashboard_has_no_coming_up_panel(viewer_client):
    MilestoneFactory(title="Soon")

    content = viewer_client.get("/").content.decode()

    assert "Coming up on the forward plan" not in content


# --- The panel at scale: bounded per horizon ---------------------------------------------


def panel_of(content: str) -> str:
    start = content.index('aria-labelledby="panel-recommissioning-warnings"')
    return content[start : content.index("</section>", start)]


@pytest.mark.django_db
def test_each_horizon_lists_its_nearest_five_and_says_how_many_more(officer_client):
    from workstreams.panels import WARNINGS_PER_HORIZON

    today = timezone.localdate()
    for day in range(WARNINGS_PER_HORIZON + 3):  # 8 within 6 months
        contract_end(
            0,
            today=today + datetime.timedelta(days=10 + day),
            title=f"Soon end {day:02d}",
        )
    contract_end(11, today=today, title="Later end")  # 1 within 12 months

    content = officer_client.get("/").content.decode()

    panel = panel_of(content)
    assert "8 contracts, the nearest 5 shown" in panel
    shown = [f"Soon end {day:02d}" for day in range(WARNINGS_PER_HORIZON)]
    assert all(title in panel for title in shown)
    assert "Soon end 05" not in panel and "Soon end 07" not in panel
    assert panel.count("<tr") == (1 + WARNINGS_PER_HORIZON) + (1 + 1)  # heads and rows
    assert "And 3 more contracts ending within 6 months" in panel
    assert "1 contract</caption>" in panel
    assert "more contract ending within 12 months" not in panel


@pytest.mark.django_db
def test_and_n_more_leads_to_the_forward_plan_of_just_those_ends(officer_client):
    today = timezone.localdate()
    uncovered = [
        contract_end(0, today=today + datetime.timedelta(days=10 + day), title=f"End {day}")
        for day in range(7)
    ]
    covered = contract_end(0, today=today + datetime.timedelta(days=30), title="Covered end")
    MilestoneFactory(
        workstream=covered.workstream,
        kind=MilestoneKind.NEW_CONTRACT_DUE,
        date=covered.date,
        title="Its new contract",
    )
    contract_end(11, today=today, title="Twelve month end")

    panel = panel_of(officer_client.get("/").content.decode())
    link = re.search(r'href="([^"]+)">And 2 more contracts ending within 6 months', panel)
    assert link is not None
    plan = officer_client.get(link.group(1).replace("&amp;", "&")).content.decode()

    plan = plan[plan.index("portal-forward-plan") :]
    assert all(end.title in plan for end in uncovered)
    assert "Covered end" not in plan and "Its new contract" not in plan
    assert "Twelve month end" not in plan  # beyond this horizon's dates


@pytest.mark.django_db
def test_the_dashboard_panel_costs_the_same_for_2_and_20_contract_ends(officer_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from workstreams.panels import _warnings_context

    today = timezone.localdate()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            _warnings_context(None)
        return len(captured)

    for months in (1, 7):
        contract_end(months, today=today)
    few = queries()
    for n in range(18):
        contract_end(n % 17 + 1, today=today)
    assert queries() == few == 1
