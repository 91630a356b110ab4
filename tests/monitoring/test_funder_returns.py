"""Funder returns: a funding stream's figures for a quarter are the sums of the accepted
returns of the agreements charged to it (and nothing else), in the shape its funder asks
for, with the returns still outstanding listed; as a page, XLSX and CSV."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from commissioning.models import FundingSource, Role
from contracts.services import contract_go_live
from grants.models import GrantStatus, MonitoringFrequency, Programme
from grants.services import grant_activate, grant_set_charges
from monitoring import funder, services
from monitoring.models import MonitoringReturn, OutcomeResult, ReturnStatus
from monitoring.reference import ensure_reference_frameworks
from tests.factories import ContractFactory, FundingStreamFactory, GrantFactory

pytestmark = pytest.mark.django_db

D = datetime.date
MOJ_MEASURES = ("referrals", "victims_supported", "outcome_cope_recover")


@pytest.fixture(autouse=True)
def frameworks(db):
    """The reference frameworks exist before the grants become active, as they will
    once the data migration loads them."""
    return ensure_reference_frameworks()


@pytest.fixture
def moj_stream():
    return FundingStreamFactory(
        name="MoJ victims grant (formula)",
        reference="MOJ-VF-2025",
        source=FundingSource.MOJ_VICTIMS_FORMULA,
        amount=Decimal("1000000.00"),
    )


@pytest.fixture
def opcc_stream():
    return FundingStreamFactory(
        name="OPCC budget", source=FundingSource.OPCC_BUDGET, amount=Decimal("1000000.00")
    )


@pytest.fixture
def vru_stream():
    return FundingStreamFactory(
        name="Home Office VRU grant",
        reference="HO-VRU-2025",
        source=FundingSource.HOME_OFFICE_VRU,
        amount=Decimal("1000000.00"),
    )


def grant_on(charges, *, programme="moj-idva", **kwargs):
    """An active grant charged to ``charges`` [(stream, amount)], with its schedule."""
    (stream, _), total = charges[0], sum(amount for _, amount in charges)
    grant = GrantFactory(
        funding_stream=stream,
        amount=total,
        programme=Programme.objects.get(code=programme),
        **kwargs,
    )
    if len(charges) > 1:
        grant = grant_set_charges(grant=grant, by=None, charges=charges)
    grant.status, grant.award_date = GrantStatus.AWARDED, grant.start_date
    grant.save(update_fields=["status", "award_date"])
    return grant_activate(grant=grant, by=None)


def returns_of(agreement) -> list[MonitoringReturn]:
    return list(agreement.return_schedule.returns.order_by("period_start"))


def submit(monitoring_return, by, *, spend, figures=None) -> MonitoringReturn:
    """Fill in every section through the services and submit."""
    current = services.return_save_finance(
        monitoring_return=monitoring_return,
        by=by,
        version=None,
        complete=True,
        budget=monitoring_return.budget,
        actual_spend=Decimal(spend),
        forecast_year_end=monitoring_return.year_budget,
        underspend_explanation="Explained in the narrative.",
    )
    measures = services.measures_for(current)
    if measures:
        figures = figures or {}
        services.return_save_outcomes(
            monitoring_return=current,
            by=by,
            version=None,
            complete=True,
            values={m.pk: (Decimal(figures.get(m.funder_code, 0)), "") for m in measures},
        )
    kpis = services.kpis_for(current)
    if kpis:
        services.return_save_kpis(
            monitoring_return=current,
            by=by,
            version=None,
            complete=True,
            actuals={kpi.pk: (kpi.target, "") for kpi in kpis},
        )
    services.return_save_narrative(
        monitoring_return=current,
        by=by,
        version=None,
        complete=True,
        went_well="Went well",
        challenges="Challenges",
    )
    services.return_mark_evidence(monitoring_return=current, by=by, version=None, complete=True)
    return services.return_submit(monitoring_return=current, by=by)


def accept(monitoring_return, by) -> MonitoringReturn:
    return services.return_accept(monitoring_return=monitoring_return, by=by)


@pytest.fixture
def quarter_one(moj_stream, opcc_stream, officer, manager):
    """Agreements charged to the MoJ stream with Quarter 1 returns in every state, one
    accepted for Quarter 2, and an accepted Quarter 1 return on another stream."""
    amount = Decimal("40000.00")
    a = grant_on([(moj_stream, amount)], title="Adults service A")
    b = grant_on([(moj_stream, amount)], title="Adults service B")
    c = grant_on([(moj_stream, amount)], title="Submitted service C")
    d = grant_on([(moj_stream, amount)], title="Changes service D")
    e = grant_on([(moj_stream, amount)], title="Not started service E")
    f = grant_on([(opcc_stream, amount)], title="Other stream service F")

    a1, a2 = returns_of(a)[:2]
    a_figures = {"referrals": 40, "victims_supported": 30, "outcome_cope_recover": 12}
    b_figures = {"referrals": 25, "victims_supported": 20, "outcome_cope_recover": 9}
    accept(submit(a1, officer, spend="9950.00", figures=a_figures), manager)
    accept(submit(a2, officer, spend="9999.99", figures={"referrals": 1000}), manager)
    accept(submit(returns_of(b)[0], officer, spend="10100.50", figures=b_figures), manager)
    submit(returns_of(c)[0], officer, spend="10000.00", figures={"referrals": 500})
    d1 = submit(returns_of(d)[0], officer, spend="10000.00", figures={"referrals": 700})
    services.return_request_changes(monitoring_return=d1, by=manager, comments="Check it")
    accept(submit(returns_of(f)[0], officer, spend="10000.00", figures={"referrals": 900}), manager)
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}


# --- The figures ---------------------------------------------------------------------


def test_figures_equal_the_sum_of_the_accepted_returns_and_nothing_else(
    moj_stream, quarter_one, frameworks
):
    result = funder.funder_return(stream=moj_stream, quarter=1)

    # What the database says the accepted Quarter 1 returns of the stream's agreements add up to.
    accepted = MonitoringReturn.objects.filter(
        status=ReturnStatus.ACCEPTED,
        period_end__range=(D(2025, 4, 1), D(2025, 6, 30)),
        schedule__grant__charges__funding_stream=moj_stream,
    )
    assert accepted.count() == 2
    assert result.totals.actual_spend == accepted.aggregate(t=Sum("actual_spend"))["t"]
    assert result.totals.actual_spend == Decimal("20050.50")
    assert result.totals.budget == accepted.aggregate(t=Sum("budget"))["t"]
    sums = {
        row["measure_id"]: row["total"]
        for row in OutcomeResult.objects.filter(monitoring_return__in=accepted)
        .values("measure_id")
        .annotate(total=Sum("value"))
    }
    assert result.totals.values == sums
    by_code = {m.funder_code: result.totals.values[m.pk] for m in result.measures}
    assert by_code["referrals"] == 65
    assert by_code["victims_supported"] == 50
    assert by_code["outcome_cope_recover"] == 21

    assert [row.title for row in result.rows] == ["Adults service A", "Adults service B"]
    assert [row.actual_spend for row in result.rows] == [Decimal("9950.00"), Decimal("10100.50")]
    assert all(row.stream_spend == row.actual_spend for row in result.rows)  # wholly charged
    assert result.totals.stream_spend == Decimal("20050.50")
    assert result.totals.returns == 2


def test_returns_not_yet_accepted_are_listed_as_outstanding(moj_stream, quarter_one):
    result = funder.funder_return(stream=moj_stream, quarter=1)

    outstanding = {r.schedule.agreement.title: r.status for r in result.outstanding}
    assert outstanding == {
        "Submitted service C": ReturnStatus.SUBMITTED,
        "Changes service D": ReturnStatus.CHANGES_REQUESTED,
        "Not started service E": ReturnStatus.DUE,
    }
    assert all(r.period_end == D(2025, 6, 30) for r in result.outstanding)


def test_another_quarter_has_only_its_own_returns(moj_stream, quarter_one):
    result = funder.funder_return(stream=moj_stream, quarter=2)

    assert [row.title for row in result.rows] == ["Adults service A"]
    assert result.totals.actual_spend == Decimal("9999.99")
    assert {r.schedule.agreement.title for r in result.outstanding} == {
        "Adults service B",
        "Submitted service C",
        "Changes service D",
        "Not started service E",
    }


def test_the_moj_return_shows_counts_by_service_before_spend(moj_stream, quarter_one):
    result = funder.funder_return(stream=moj_stream, quarter=1)
    headings = [c.heading for c in funder.figure_columns(result)]

    assert result.kind == "moj_victims"
    assert headings[0] == "Service"
    assert headings[4].startswith("Referrals received")
    assert headings[5].startswith("Victims supported")
    assert headings.index("Actual spend (£)") > headings.index(headings[5])


def test_the_vru_return_shows_spend_and_only_the_home_office_measures(vru_stream, officer, manager):
    spoke = grant_on([(vru_stream, Decimal("40000.00"))], programme="vru", title="Spoke")
    victims = grant_on([(vru_stream, Decimal("40000.00"))], title="Victims project")
    accept(
        submit(
            returns_of(spoke)[0],
            officer,
            spend="9980.00",
            figures={
                "output_young_people_reached": 120,
                "ho_hospital_admissions_sharp_object_u25": 4,
            },
        ),
        manager,
    )
    victims_return = submit(
        returns_of(victims)[0], officer, spend="10020.00", figures={"referrals": 50}
    )
    accept(victims_return, manager)

    result = funder.funder_return(stream=vru_stream, quarter=1)
    headings = [c.heading for c in funder.figure_columns(result)]

    assert result.kind == "home_office_vru"
    assert headings[:2] == ["Intervention", "Reference"]
    assert headings.index("Actual spend (£)") < headings.index(
        next(h for h in headings if h.startswith("Young people reached"))
    )
    assert all(m.framework.funder_return == "home_office_vru" for m in result.measures)
    assert not any(h.startswith("Referrals received") for h in headings)
    # Both interventions' spend counts; only the VRU measures are reported.
    assert result.totals.actual_spend == Decimal("20000.00")
    codes = {m.funder_code: result.totals.values.get(m.pk) for m in result.measures}
    assert codes["output_young_people_reached"] == 120
    assert codes["ho_hospital_admissions_sharp_object_u25"] == 4


def test_an_agreement_charged_partly_to_the_stream_reports_its_share_of_the_spend(
    moj_stream, opcc_stream, officer, manager
):
    grant = grant_on(
        [(moj_stream, Decimal("30000.00")), (opcc_stream, Decimal("10000.00"))],
        title="Topped-up IDVA",
    )
    accept(submit(returns_of(grant)[0], officer, spend="10000.00"), manager)

    moj = funder.funder_return(stream=moj_stream, quarter=1)
    opcc = funder.funder_return(stream=opcc_stream, quarter=1)

    [row] = moj.rows
    assert row.actual_spend == Decimal("10000.00")
    assert row.stream_percentage == Decimal("75.0")
    assert row.stream_spend == Decimal("7500.00")
    assert opcc.rows[0].stream_spend == Decimal("2500.00")


def test_a_mid_year_return_counts_in_the_quarter_its_period_ends(moj_stream, officer, manager):
    grant = grant_on(
        [(moj_stream, Decimal("40000.00"))],
        title="Half-yearly service",
        monitoring_frequency=MonitoringFrequency.HALF_YEARLY,
    )
    accept(submit(returns_of(grant)[0], officer, spend="19990.00"), manager)

    assert funder.funder_return(stream=moj_stream, quarter=1).rows == []
    [row] = funder.funder_return(stream=moj_stream, quarter=2).rows
    assert row.periods == ["Mid-year 2025/26"]
    assert row.actual_spend == Decimal("19990.00")


def test_a_contract_charged_to_the_stream_is_included(moj_stream, officer, manager):
    contract = ContractFactory(
        title="Victim services contract", charges=[(moj_stream, Decimal("300000.00"))]
    )
    contract = contract_go_live(contract=contract, by=officer, went_live_on=contract.start_date)
    first = returns_of(contract)[0]
    accept(submit(first, officer, spend=str(first.budget)), manager)

    [row] = funder.funder_return(stream=moj_stream, quarter=1).rows
    assert row.reference == contract.reference
    assert row.actual_spend == first.budget
    assert row.stream_spend == first.budget  # charged the whole year's value


def test_an_unknown_quarter_is_refused(moj_stream):
    with pytest.raises(ValueError, match="1 to 4"):
        funder.funder_return(stream=moj_stream, quarter=5)


def test_the_figures_cost_the_same_queries_for_more_agreements(
    moj_stream, officer, manager, officer_client
):
    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as selector:
            funder.funder_return(stream=moj_stream, quarter=1)
        url = reverse("funder-return") + f"?stream={moj_stream.pk}&quarter=1"
        with CaptureQueriesContext(connection) as page:
            assert officer_client.get(url).status_code == 200
        return len(selector), len(page)

    def add(title):
        grant = grant_on([(moj_stream, Decimal("40000.00"))], title=title)
        first = submit(returns_of(grant)[0], officer, spend="10000", figures={"referrals": 3})
        accept(first, manager)
        grant_on([(moj_stream, Decimal("40000.00"))], title=f"{title} (not started)")

    add("First")
    few = count()
    for title in ("Second", "Third", "Fourth"):
        add(title)

    assert count() == few


# --- The page and the downloads ---------------------------------------------------------


def test_the_page_shows_the_figures_totals_and_outstanding_returns(
    officer_client, moj_stream, quarter_one
):
    empty = officer_client.get(reverse("funder-return"))
    assert empty.status_code == 200
    assert 'id="funder-figures"' not in empty.content.decode()

    response = officer_client.get(reverse("funder-return") + f"?stream={moj_stream.pk}&quarter=1")
    body = response.content.decode()

    assert response.status_code == 200
    assert "Ministry of Justice victims grant return" in body
    assert "Quarter 1 2025/26" in body
    assert "Adults service A" in body and "Adults service B" in body
    assert "Other stream service F" not in body.split('id="funder-outstanding"')[0]
    totals = body.split('id="funder-totals"')[1].split("</tr>")[0]
    assert "£20,050.50" in totals
    assert "<strong>65</strong>" in totals
    outstanding = body.split('id="funder-outstanding"')[1]
    for title in ("Submitted service C", "Changes service D", "Not started service E"):
        assert title in outstanding
    assert "format=xlsx" in body


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("stream=999999&quarter=1", "Select a funding stream from the list"),
        ("stream=nonsense&quarter=1", "Select a funding stream from the list"),
        ("quarter=1", "Select a funding stream"),
        ("stream={stream}&quarter=7", "Select a quarter from 1 to 4"),
        ("stream={stream}", "Select a quarter"),
    ],
)
def test_an_unknown_stream_or_quarter_is_shown_at_the_field(
    officer_client, moj_stream, query, message
):
    url = reverse("funder-return") + "?" + query.format(stream=moj_stream.pk)
    response = officer_client.get(url)

    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body
    assert message in body
    assert 'id="funder-figures"' not in body


@pytest.mark.parametrize(
    "query",
    [
        "stream=999999&quarter=1&format=xlsx",
        "stream={stream}&quarter=0&format=csv",
        "stream={stream}&format=csv",
        "stream={stream}&quarter=1&format=pdf",
    ],
)
def test_a_download_of_an_unknown_stream_or_quarter_answers_404(officer_client, moj_stream, query):
    url = reverse("funder-return-download") + "?" + query.format(stream=moj_stream.pk)
    assert officer_client.get(url).status_code == 404


def test_a_download_with_nothing_chosen_goes_to_the_form(officer_client):
    response = officer_client.get(reverse("funder-return-download"))

    assert response.status_code == 302
    assert response["Location"] == reverse("funder-return")


def test_the_xlsx_has_the_figures_with_totals_and_the_outstanding_returns(
    officer_client, moj_stream, quarter_one
):
    response = officer_client.get(
        reverse("funder-return-download") + f"?stream={moj_stream.pk}&quarter=1&format=xlsx"
    )

    assert response.status_code == 200
    assert "funder-return-moj-vf-2025-q1" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Figures", "Outstanding returns"]
    rows = [[cell.value for cell in row] for row in workbook["Figures"].iter_rows()]
    header = rows.index(next(r for r in rows if r[0] == "Service"))
    columns = rows[header]
    body = rows[header + 1 :]
    assert [r[0] for r in body] == ["Adults service A", "Adults service B", "Total"]
    spend = columns.index("Actual spend (£)")
    referrals = next(i for i, h in enumerate(columns) if str(h).startswith("Referrals received"))
    assert body[0][spend] == 9950 and body[1][spend] == 10100.5
    assert body[2][spend] == 20050.5  # the totals row, as a number
    assert body[2][referrals] == 65
    outstanding = [[c.value for c in row] for row in workbook["Outstanding returns"].iter_rows()]
    assert outstanding[0] == [
        "Agreement",
        "Reference",
        "Organisation",
        "Period",
        "Status",
        "Due date",
    ]
    assert {r[0] for r in outstanding[1:]} == {
        "Submitted service C",
        "Changes service D",
        "Not started service E",
    }
    statuses = {r[0]: r[4] for r in outstanding[1:]}
    assert statuses["Submitted service C"] == "Submitted"


def test_the_csvs_have_the_figures_and_the_outstanding_returns(
    officer_client, moj_stream, quarter_one
):
    base = reverse("funder-return-download") + f"?stream={moj_stream.pk}&quarter=1&format=csv"

    figures = officer_client.get(base)
    rows = list(csv.reader(io.StringIO(b"".join(figures.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "Service"
    spend = rows[0].index("Actual spend (£)")
    assert [r[0] for r in rows[1:]] == ["Adults service A", "Adults service B", "Total"]
    assert rows[-1][spend] == "20050.50"
    assert rows[-1][1:4] == ["", "", ""]

    outstanding = officer_client.get(base + "&part=outstanding")
    rows = list(
        csv.reader(io.StringIO(b"".join(outstanding.streaming_content).decode("utf-8-sig")))
    )
    assert rows[0][0] == "Agreement"
    assert len(rows) == 4


def test_a_formula_looking_title_is_neutralised_in_both_downloads(
    officer_client, moj_stream, officer, manager
):
    title = '=HYPERLINK("http://evil.example","Click")'
    grant = grant_on([(moj_stream, Decimal("40000.00"))], title=title)
    accept(submit(returns_of(grant)[0], officer, spend="10000"), manager)
    base = reverse("funder-return-download") + f"?stream={moj_stream.pk}&quarter=1"

    workbook = load_workbook(io.BytesIO(officer_client.get(base + "&format=xlsx").content))
    cells = [row[0] for row in workbook["Figures"].iter_rows() if row[0].value]
    cell = next(c for c in cells if "HYPERLINK" in str(c.value))
    assert cell.value == "'" + title
    assert cell.data_type == "s"

    response = officer_client.get(base + "&format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[1][0] == "'" + title


def test_providers_are_refused_and_viewers_read(client, make_user, viewer_client, moj_stream):
    client.force_login(make_user(Role.PROVIDER))
    query = f"?stream={moj_stream.pk}&quarter=1"

    assert client.get(reverse("funder-return") + query).status_code == 403
    assert client.get(reverse("funder-return-download") + query + "&format=csv").status_code == 403
    assert viewer_client.get(reverse("funder-return") + query).status_code == 200


def test_the_funding_stream_page_links_to_its_quarters(officer_client, moj_stream):
    body = officer_client.get(moj_stream.get_absolute_url()).content.decode()

    assert "Funder returns" in body
    url = reverse("funder-return")
    for quarter in (1, 2, 3, 4):
        assert f"{url}?stream={moj_stream.pk}&amp;quarter={quarter}" in body


def test_a_stream_with_nothing_charged_to_it_has_no_figures():
    stream = FundingStreamFactory(source=FundingSource.PARTNER_CONTRIBUTION)
    result = funder.funder_return(stream=stream, quarter=3)

    assert result.rows == [] and result.outstanding == []
    assert result.totals.actual_spend == 0
    assert result.kind == ""
    assert [c.heading for c in funder.figure_columns(result)][0] == "Agreement"


def test_the_reference_frameworks_can_be_made_by_a_data_migration(frameworks):
    """The lead's data migration calls ensure_reference_frameworks with the migration's
    historical models: it makes the same frameworks, and a second call makes nothing."""
    from django.db import connection as db
    from django.db.migrations.executor import MigrationExecutor

    from monitoring.models import OutcomeFramework, OutcomeMeasure

    OutcomeMeasure.objects.all().delete()
    OutcomeFramework.objects.all().delete()
    historical = MigrationExecutor(db).loader.project_state().apps

    made = ensure_reference_frameworks(historical)
    again = ensure_reference_frameworks(historical)

    assert set(made) == {"Victim services", "Violence Reduction Unit"}
    assert {k: v.pk for k, v in again.items()} == {k: v.pk for k, v in made.items()}
    assert OutcomeFramework.objects.count() == 2
    vru = OutcomeFramework.objects.get(name="Violence Reduction Unit")
    assert vru.measures.count() == 5
    assert list(vru.programmes.values_list("code", flat=True)) == ["vru"]
