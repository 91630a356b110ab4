"""The office's monitoring pages and dashboard panels as the roles that use them: the
"Returns overdue and to review" panel, the links between the office's lists, and the
cost of the panels as the data grows."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning.models import Role
from monitoring import setup_office
from tests.factories import OrganisationFactory, UserFactory
from tests.monitoring.factories import active_grant
from tests.monitoring.test_review import login, page, provider_for, submit, text
from tests.monitoring.test_underspend import underspent_return

pytestmark = pytest.mark.django_db


def panel_html(response, key: str) -> str:
    match = re.search(
        rf'<section[^>]*aria-labelledby="panel-{key}".*?</section>', page(response), re.DOTALL
    )
    assert match, f"no {key} panel"
    return match.group(0)


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_returns_panel_counts_overdue_and_to_review_with_yours_first(client):
    officer = UserFactory(role=Role.OFFICER)
    active_grant(recipient=OrganisationFactory(name="Elsewhere Trust"))  # 4 overdue
    mine = active_grant(
        responsible_officer=officer, recipient=OrganisationFactory(name="Mine Trust")
    )  # 4 overdue, then one submitted
    submit(
        mine.return_schedule.returns.order_by("period_start").last(), provider_for(mine.recipient)
    )
    login(client, officer)

    response = client.get(reverse("dashboard"))

    panel = panel_html(response, "monitoring-returns")
    assert "Returns overdue and to review" in panel
    panel_words = words(panel)
    assert "1 return to review" in panel_words
    assert "7 returns overdue" in panel_words
    assert "And 2 more overdue" in panel_words
    overdue_table = panel.split('id="panel-returns-overdue"')[1]
    rows = re.findall(r"<tr class=\"govuk-table__row\">.*?</tr>", overdue_table, re.DOTALL)
    assert len(rows) == 1 + 5
    # Mine come first: three overdue of mine, then the oldest of the others.
    assert [("Mine Trust" in row) for row in rows[1:]] == [True, True, True, False, False]
    submitted = mine.return_schedule.returns.order_by("period_start").last()
    assert f'href="{reverse("return-review", args=[submitted.pk])}"' in panel
    assert reverse("return-list") + "?status=overdue" in panel


def test_viewer_sees_the_returns_panel_linking_to_returns_not_the_review(client):
    monitoring_return = submit(
        active_grant().return_schedule.returns.first(), provider_for(OrganisationFactory())
    )
    login(client, UserFactory(role=Role.VIEWER))

    panel = panel_html(client.get(reverse("dashboard")), "monitoring-returns")

    assert "1 return to review" in words(panel)
    assert reverse("return-review", args=[monitoring_return.pk]) not in panel
    assert monitoring_return.get_absolute_url() in panel


def test_empty_panels_say_there_is_nothing_to_do(client):
    login(client, UserFactory(role=Role.MANAGER))

    response = client.get(reverse("dashboard"))

    assert "No underspends are waiting to be dealt with" in text(response)
    assert "No returns are waiting for review" in text(response)
    assert "No returns are overdue" in text(response)


def test_office_lists_link_to_each_other(client):
    login(client, UserFactory(role=Role.OFFICER))

    queue = client.get(reverse("return-review-queue"))
    underspends = client.get(reverse("underspend-list"))

    assert reverse("underspend-list") in page(queue)
    assert reverse("return-review-queue") in page(underspends)
    assert "No returns are awaiting review" in text(queue)
    assert "No underspends have been reported" in text(underspends)


def test_provider_cannot_open_the_office_pages(client):
    monitoring_return = underspent_return()
    provider = provider_for(monitoring_return.organisation)
    flag = monitoring_return.underspend_flags.first()
    login(client, provider)

    assert client.get(reverse("return-review-queue")).status_code == 403
    assert client.get(reverse("underspend-list")).status_code == 403
    assert client.get(reverse("underspend-resolve", args=[flag.pk])).status_code == 404
    schedule = monitoring_return.schedule
    assert client.get(reverse("schedule-detail", args=[schedule.pk])).status_code == 404
    assert client.get(reverse("return-review", args=[monitoring_return.pk])).status_code == 404


def render_panels(user) -> str:
    """The two office panels as the dashboard renders them."""
    return render_to_string(
        "monitoring/panels/office_returns.html",
        {"panel": setup_office._returns_context(user)},
    ) + render_to_string(
        "monitoring/panels/office_underspends.html",
        {"panel": setup_office._underspends_context(user)},
    )


def test_panels_cost_the_same_however_many_rows():
    """Each panel lists a few rows and counts the rest: once there are more rows than a
    panel shows, more data costs no more queries."""
    officer = UserFactory(role=Role.OFFICER)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            render_panels(officer)
        return len(captured)

    for _ in range(setup_office.PANEL_LIMIT):
        underspent_return()  # each: one submitted, three overdue, two underspends
    full = count_queries()
    for _ in range(setup_office.PANEL_LIMIT):
        underspent_return()
    html = render_panels(officer)
    assert "10 returns to review" in words(html)
    assert "30 returns overdue" in words(html)
    assert "20 underspends" in words(html)
    assert count_queries() == full


def test_sync_task_is_registered_under_its_beat_name():
    from monitoring.tasks import sync_return_schedules

    assert sync_return_schedules.name == "monitoring.sync_return_schedules"


def test_yours_is_every_return_whose_agreement_the_user_looks_after():
    """``with_yours`` (one indexed subquery) marks the same returns as ``lead_officer_q``
    (the joins it replaced): of grants and contracts the user is responsible for, and of
    those of the workstreams the user leads; no one else's."""
    from monitoring import selectors, services
    from monitoring.models import MonitoringReturn
    from tests.factories import ContractFactory, WorkstreamFactory

    officer = UserFactory(role=Role.OFFICER)
    led = WorkstreamFactory(lead_officer=officer)
    grants = [active_grant(responsible_officer=officer), active_grant(workstream=led)]
    active_grant()  # someone else's
    contracts = [ContractFactory(responsible_officer=officer), ContractFactory(workstream=led)]
    for contract in [*contracts, ContractFactory()]:
        services.schedule_sync(agreement=contract)

    marked = {
        r.pk for r in selectors.with_yours(MonitoringReturn.objects.all(), officer) if r.is_yours
    }

    assert marked == set(
        MonitoringReturn.objects.filter(selectors.lead_officer_q(officer)).values_list(
            "pk", flat=True
        )
    )
    mine = MonitoringReturn.objects.filter(
        Q(schedule__grant__in=grants) | Q(schedule__contract__in=contracts)
    )
    assert marked == set(mine.values_list("pk", flat=True))
    assert {
        r.schedule.agreement for r in mine.select_related("schedule__grant", "schedule__contract")
    } == {
        *grants,
        *contracts,
    }


def test_the_review_queue_filtered_to_mine_lists_only_the_agreements_i_look_after(client):
    from tests.factories import WorkstreamFactory
    from tests.monitoring.test_review import submitted_return

    officer = UserFactory(role=Role.OFFICER)
    responsible, _ = submitted_return(responsible_officer=officer)
    led, _ = submitted_return(workstream=WorkstreamFactory(lead_officer=officer))
    others, _ = submitted_return()
    login(client, officer)

    everyone = page(client.get(reverse("return-review-queue")))
    mine = page(client.get(reverse("return-review-queue") + "?whose=mine"))

    for monitoring_return in (responsible, led, others):
        assert reverse("return-review", args=[monitoring_return.pk]) in everyone
    assert reverse("return-review", args=[responsible.pk]) in mine
    assert reverse("return-review", args=[led.pk]) in mine
    assert reverse("return-review", args=[others.pk]) not in mine
