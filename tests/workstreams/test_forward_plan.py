"""The forward plan page: milestones across the office by month, with filters."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commissioning.dates import add_months
from commissioning.models import Role
from tests.factories import MilestoneFactory, PortfolioFactory, UserFactory, WorkstreamFactory
from workstreams.models import CommissioningRole, MilestoneKind

URL = "/workstreams/forward-plan/"


def month_ahead(months: int, day: int = 10) -> datetime.date:
    """A day in the month ``months`` from this one (negative for the past)."""
    return add_months(timezone.localdate().replace(day=1), months).replace(day=day)


def heading(day: datetime.date) -> str:
    return f"{day:%B %Y}"


def plan_of(response) -> str:
    """The plan itself: the page after the filter form (whose options name kinds too)."""
    content = response.content.decode()
    return content[content.index("portal-forward-plan") :]


def titles_in_order(content: str, titles: list[str]) -> list[str]:
    """The given titles in the order they appear on the page (missing ones left out)."""
    found = [(content.find(title), title) for title in titles if title in content]
    return [title for _, title in sorted(found)]


def test_the_forward_plan_url_is_named():
    assert reverse("forward-plan") == URL


@pytest.mark.django_db
def test_milestones_are_grouped_by_month_in_date_order_with_office_wide_ones(officer_client):
    workstream = WorkstreamFactory(title="Adult victim services", role=CommissioningRole.LEAD)
    MilestoneFactory(
        workstream=workstream,
        kind=MilestoneKind.NEW_CONTRACT_DUE,
        date=month_ahead(2, 1),
        title="New victims contracts due",
    )
    MilestoneFactory(
        workstream=workstream,
        kind=MilestoneKind.CONTRACT_END,
        date=month_ahead(1, 28),
        title="Victims contracts end",
    )
    MilestoneFactory(
        workstream=None,
        kind=MilestoneKind.ELECTION,
        date=month_ahead(1, 2),
        title="Commissioner elected",
    )
    MilestoneFactory(
        workstream=workstream,
        kind=MilestoneKind.REVIEW,
        date=month_ahead(5, 15),
        title="Annual review of victim services",
    )

    response = officer_client.get(URL)

    assert response.status_code == 200
    content = plan_of(response)
    months = [heading(month_ahead(n)) for n in (1, 2, 5)]
    assert titles_in_order(content, list(reversed(months))) == months
    assert heading(month_ahead(3)) not in content  # no empty months
    assert titles_in_order(
        content,
        [
            "Annual review of victim services",
            "New victims contracts due",
            "Victims contracts end",
            "Commissioner elected",
        ],
    ) == [
        "Commissioner elected",
        "Victims contracts end",
        "New victims contracts due",
        "Annual review of victim services",
    ]
    # Each month's heading comes before its own milestones and after the last month's.
    assert (
        content.find(months[0])
        < content.find("Victims contracts end")
        < content.find(months[1])
        < content.find("New victims contracts due")
    )


@pytest.mark.django_db
def test_each_milestone_shows_its_kind_workstream_link_and_role(officer_client):
    workstream = WorkstreamFactory(
        title="Sexual Assault Referral Centre", role=CommissioningRole.CO_COMMISSIONER
    )
    milestone = MilestoneFactory(
        workstream=workstream,
        kind=MilestoneKind.CONTRACT_END,
        date=month_ahead(1),
        title="SARC contract ends",
    )
    MilestoneFactory(
        workstream=None,
        kind=MilestoneKind.ELECTION,
        date=month_ahead(2),
        title="Commissioner elected",
    )

    content = plan_of(officer_client.get(URL))

    assert "Contract ends" in content
    assert "SARC contract ends" in content
    assert f'href="{reverse("workstream-detail", kwargs={"pk": workstream.pk})}"' in content
    assert "Co-commissioner" in content
    assert "Commissioner elected" in content
    assert "Office-wide" in content
    assert f"{milestone.date.day} {milestone.date:%B %Y}" in content


@pytest.mark.django_db
def test_by_default_the_plan_starts_this_month_and_past_milestones_can_be_shown(
    officer_client,
):
    MilestoneFactory(date=month_ahead(-1), title="Review last month")
    MilestoneFactory(date=month_ahead(0, 1), title="Start of this month")

    first_visit = officer_client.get(URL).content.decode()
    assert "Start of this month" in first_visit
    assert "Review last month" not in first_visit
    assert "Show past milestones" in first_visit

    cleared = officer_client.get(URL, {"date_from_0": "", "date_from_1": "", "date_from_2": ""})
    assert "Review last month" in cleared.content.decode()
    assert "Start of this month" in cleared.content.decode()

    # The "Show past milestones" link does the same.
    link = re.search(r'href="([^"]*)">Show past milestones', first_visit).group(1)
    followed = officer_client.get(URL + link.replace("&amp;", "&"))
    assert "Review last month" in followed.content.decode()


@pytest.mark.django_db
def test_filtering_by_commissioning_role_leaves_out_other_roles_and_office_wide(
    officer_client,
):
    lead = WorkstreamFactory(role=CommissioningRole.LEAD)
    influencing = WorkstreamFactory(role=CommissioningRole.INFLUENCING)
    MilestoneFactory(workstream=lead, date=month_ahead(1), title="Lead milestone")
    MilestoneFactory(workstream=influencing, date=month_ahead(1), title="Influencing milestone")
    MilestoneFactory(
        workstream=None, kind=MilestoneKind.ELECTION, date=month_ahead(1), title="Election day"
    )

    content = plan_of(officer_client.get(URL, {"role": CommissioningRole.LEAD}))

    assert "Lead milestone" in content
    assert "Influencing milestone" not in content
    assert "Election day" not in content


@pytest.mark.django_db
def test_filtering_by_portfolio(officer_client):
    victims = PortfolioFactory(name="Victim services")
    violence = PortfolioFactory(name="Serious violence")
    MilestoneFactory(
        workstream=WorkstreamFactory(portfolio=victims), date=month_ahead(1), title="Victims one"
    )
    MilestoneFactory(
        workstream=WorkstreamFactory(portfolio=violence), date=month_ahead(1), title="VRU one"
    )
    MilestoneFactory(workstream=None, date=month_ahead(1), title="Office-wide one")

    content = plan_of(officer_client.get(URL, {"portfolio": violence.pk}))

    assert "VRU one" in content
    assert "Victims one" not in content
    assert "Office-wide one" not in content


@pytest.mark.django_db
def test_filtering_by_lead_officer(officer_client, officer):
    someone_else = UserFactory(role=Role.OFFICER, full_name="Sam Else")
    MilestoneFactory(
        workstream=WorkstreamFactory(lead_officer=officer), date=month_ahead(1), title="Mine"
    )
    MilestoneFactory(
        workstream=WorkstreamFactory(lead_officer=someone_else),
        date=month_ahead(1),
        title="Theirs",
    )
    MilestoneFactory(workstream=None, date=month_ahead(1), title="Everyone's")

    response = officer_client.get(URL, {"lead_officer": officer.pk})
    content = plan_of(response)

    assert "Mine" in content
    assert "Theirs" not in content
    assert "Everyone&#x27;s" not in content
    # Both officers lead a workstream, so both can be chosen.
    assert "Sam Else" in response.content.decode()


@pytest.mark.django_db
def test_filtering_by_kind_includes_office_wide_milestones_of_that_kind(officer_client):
    MilestoneFactory(kind=MilestoneKind.CONTRACT_END, date=month_ahead(1), title="An end")
    MilestoneFactory(kind=MilestoneKind.REVIEW, date=month_ahead(1), title="A review")
    MilestoneFactory(
        workstream=None,
        kind=MilestoneKind.ELECTION,
        date=month_ahead(2),
        title="Commissioner elected",
    )

    ends = plan_of(officer_client.get(URL, {"kind": MilestoneKind.CONTRACT_END}))
    elections = plan_of(officer_client.get(URL, {"kind": MilestoneKind.ELECTION}))

    assert "An end" in ends and "A review" not in ends and "Commissioner elected" not in ends
    assert "Commissioner elected" in elections and "An end" not in elections


def _date_query(prefix: str, day: datetime.date) -> dict:
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


@pytest.mark.django_db
def test_filtering_by_date_range_includes_both_ends(officer_client):
    start, end = month_ahead(2, 1), month_ahead(3, 28)
    MilestoneFactory(date=start - datetime.timedelta(days=1), title="Day before")
    MilestoneFactory(date=start, title="First day")
    MilestoneFactory(date=end, title="Last day")
    MilestoneFactory(date=end + datetime.timedelta(days=1), title="Day after")

    content = plan_of(
        officer_client.get(URL, {**_date_query("date_from", start), **_date_query("date_to", end)})
    )

    assert "First day" in content and "Last day" in content
    assert "Day before" not in content and "Day after" not in content


@pytest.mark.django_db
def test_a_to_date_before_the_from_date_is_refused_with_a_message(officer_client):
    response = officer_client.get(
        URL,
        {**_date_query("date_from", month_ahead(3)), **_date_query("date_to", month_ahead(1))},
    )

    assert response.status_code == 200
    assert "To date must be the same as or after the from date" in response.content.decode()


@pytest.mark.django_db
def test_a_date_that_does_not_exist_is_refused_in_plain_words(officer_client):
    response = officer_client.get(
        URL, {"date_from_0": "31", "date_from_1": "2", "date_from_2": "2026"}
    )

    assert "From date must be a real date" in response.content.decode()


@pytest.mark.django_db
def test_the_filters_are_left_out_when_printed(officer_client):
    MilestoneFactory(date=month_ahead(1), title="Printed milestone")

    content = officer_client.get(URL).content.decode()

    filters = re.search(r'<div class="([^"]*)" id="forward-plan-filters">', content)
    assert filters is not None and "portal-no-print" in filters.group(1).split()
    start = filters.end()
    assert content.find('method="get"', start) < content.find("</form>", start)
    assert "Printable version" in content


@pytest.mark.django_db
def test_the_printable_version_has_the_plan_and_the_filters_used_but_no_form(officer_client):
    workstream = WorkstreamFactory(role=CommissioningRole.LEAD)
    MilestoneFactory(workstream=workstream, date=month_ahead(1), title="Printed milestone")

    response = officer_client.get(URL, {"role": CommissioningRole.LEAD, "print": "1"})
    content = response.content.decode()

    assert response.status_code == 200
    assert "Printed milestone" in content
    assert 'method="get"' not in content
    assert "Lead commissioner" in content  # the role filter, in words
    assert "Back to the forward plan" in content


@pytest.mark.django_db
def test_the_page_costs_the_same_queries_for_3_and_30_milestones(officer_client):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = officer_client.get(URL)
        assert response.status_code == 200
        return len(queries)

    office_wide = {"workstream": None, "kind": MilestoneKind.ELECTION}
    for n in range(3):
        MilestoneFactory(date=month_ahead(n % 6 + 1), **(office_wide if n == 0 else {}))
    few = count_queries()
    for n in range(27):
        MilestoneFactory(date=month_ahead(n % 12 + 1), **(office_wide if n % 5 == 0 else {}))
    many = count_queries()

    assert few == many


@pytest.mark.django_db
def test_a_viewer_reads_the_forward_plan(viewer_client):
    MilestoneFactory(date=month_ahead(1), title="Visible to a viewer")

    response = viewer_client.get(URL)

    assert response.status_code == 200
    assert "Visible to a viewer" in response.content.decode()


@pytest.mark.django_db
def test_a_provider_cannot_open_the_forward_plan(provider_client):
    MilestoneFactory(date=month_ahead(1), title="Not for providers")

    response = provider_client.get(URL)

    assert response.status_code == 403
    assert "Not for providers" not in response.content.decode()


# --- Pages, and the printable version -----------------------------------------------------


@pytest.fixture
def three_a_page(monkeypatch):
    from workstreams.forward_plan import ForwardPlanView

    monkeypatch.setattr(ForwardPlanView, "paginate_by", 3)


def _office_wide(day: datetime.date, title: str):
    return MilestoneFactory(workstream=None, kind=MilestoneKind.ELECTION, date=day, title=title)


@pytest.mark.django_db
def test_the_plan_is_paged_in_date_order_keeping_its_months(officer_client, three_a_page):
    for n in range(4):
        _office_wide(month_ahead(1, 10 + n), f"First month {n}")
    for n in range(3):
        _office_wide(month_ahead(2, 10 + n), f"Second month {n}")

    first = officer_client.get(URL)
    second = officer_client.get(URL, {"page": 2})
    third = officer_client.get(URL, {"page": 3})

    first_plan, second_plan, third_plan = (plan_of(r) for r in (first, second, third))
    assert [f"First month {n}" in first_plan for n in range(4)] == [True, True, True, False]
    assert "First month 3" in second_plan and "Second month 0" in second_plan
    assert "Second month 2" in third_plan
    # A month that runs on from the page before says so; one that starts here does not.
    assert re.search(rf"{heading(month_ahead(1))}\s*<span[^>]*>continued</span>", second_plan)
    assert f"{heading(month_ahead(2))}</h2>" in second_plan
    assert "continued" not in first_plan
    assert "Showing 4 to 6 of 7 results" in second.content.decode()
    assert 'aria-label="Pagination"' in first.content.decode()
    assert officer_client.get(URL, {"page": 4}).status_code == 404


@pytest.mark.django_db
def test_the_pager_keeps_the_filters_and_printing_and_export_take_every_page(
    officer_client, three_a_page
):
    for n in range(5):
        _office_wide(month_ahead(1, 10 + n), f"Election {n}")
    MilestoneFactory(kind=MilestoneKind.REVIEW, date=month_ahead(1), title="A review")

    response = officer_client.get(URL, {"kind": MilestoneKind.ELECTION, "page": 2})
    content = response.content.decode()

    assert "kind=election&amp;page=1" in content
    assert "Election 3" in plan_of(response) and "A review" not in plan_of(response)
    print_link = re.search(r'href="([^"]*)">Printable version', content).group(1)
    assert "page=" not in print_link
    printed = officer_client.get(URL + print_link.replace("&amp;", "&")).content.decode()
    assert all(f"Election {n}" in printed for n in range(5))
    assert 'aria-label="Pagination"' not in printed
    export = officer_client.get(
        reverse("forward-plan-export"), {"kind": MilestoneKind.ELECTION, "page": 2}
    )
    exported = b"".join(export.streaming_content).decode()
    assert all(f"Election {n}" in exported for n in range(5))


@pytest.mark.django_db
def test_the_printable_version_says_when_it_leaves_milestones_out(officer_client, monkeypatch):
    from workstreams import forward_plan

    monkeypatch.setattr(forward_plan, "PRINT_LIMIT", 3)
    for n in range(5):
        _office_wide(month_ahead(1, 10 + n), f"Election {n}")

    content = officer_client.get(URL, {"print": "1"}).content.decode()

    assert all(f"Election {n}" in content for n in range(3))
    assert "Election 3" not in content
    assert "This shows the first 3 of 5 milestones. To print the other 2" in content


@pytest.mark.django_db
def test_the_page_costs_the_same_queries_for_2_and_20_milestones_on_any_page(
    officer_client, three_a_page
):
    def count_queries(**query) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = officer_client.get(URL, query)
        assert response.status_code == 200
        return len(queries)

    for n in range(2):
        MilestoneFactory(date=month_ahead(1, 10 + n))
    officer_client.get(URL)
    few = count_queries()
    for n in range(18):
        MilestoneFactory(date=month_ahead(n % 6 + 1, 12))

    assert count_queries() == few
    assert count_queries(page=2) == few
    assert count_queries(print="1") <= few


@pytest.mark.django_db
def test_filtering_to_contract_ends_nothing_re_commissions(officer_client):
    open_end = MilestoneFactory(
        kind=MilestoneKind.CONTRACT_END, date=month_ahead(2), title="Nothing lined up"
    )
    covered = MilestoneFactory(
        kind=MilestoneKind.CONTRACT_END, date=month_ahead(2), title="Successor planned"
    )
    MilestoneFactory(
        workstream=covered.workstream,
        kind=MilestoneKind.NEW_CONTRACT_DUE,
        date=month_ahead(3),
        title="New contract due",
    )

    content = plan_of(officer_client.get(URL, {"recommissioning": "needed"}))

    assert open_end.title in content
    assert "Successor planned" not in content and "New contract due" not in content
