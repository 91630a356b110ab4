"""How every report is printed: A4 pages with the office's name and the report's title
at the top, "Page 3 of 12" and the generated date at the foot, table headers repeated
on every page, no row cut in two, charts drawn by pygal as inline SVG, and nothing
fetched from outside the document. Also the forward plan, printed."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from commissioning.templatetags.portal import ukdate
from reports import charts, selectors_pdf
from reports.models import ReportKind
from reports.pdf import render_pdf, render_report
from tests.factories import MilestoneFactory
from tests.reports.factories_jobs import bulk_awarded_grants, pdf_pages, pdf_text
from workstreams.models import MilestoneKind

pytestmark = pytest.mark.django_db

JUNE_2025 = datetime.date(2025, 6, 1)
TITLE = "Funding awarded in 2025/26"
RECIPIENT_HEADER = "Recipient Grants Amount Share"


def _funding_awarded():
    return render_report(ReportKind.FUNDING_AWARDED, {"year": 2025}, title=TITLE)


@pytest.fixture
def many_recipients():
    return bulk_awarded_grants(120, award_date=JUNE_2025, amount=Decimal("1234.56"))


def test_every_page_has_the_office_title_page_number_and_generated_date(many_recipients, settings):
    settings.OFFICE_NAME = "Office of the Police and Crime Commissioner for Testshire"

    rendered = _funding_awarded()
    pages = [" ".join(page.split()) for page in pdf_pages(rendered.content)]

    assert rendered.pages == len(pages) > 2
    today = ukdate(timezone.now())
    for number, page in enumerate(pages, start=1):
        assert "Office of the Police and Crime Commissioner for Testshire" in page
        assert TITLE in page
        assert f"Page {number} of {len(pages)}" in page
        assert f"Generated {today}" in page


def test_pages_are_a4(many_recipients):
    reader = PdfReader(io.BytesIO(_funding_awarded().content))

    for page in reader.pages:
        width_mm = float(page.mediabox.width) * 25.4 / 72
        height_mm = float(page.mediabox.height) * 25.4 / 72
        assert (round(width_mm), round(height_mm)) == (210, 297)


def test_more_rows_make_more_pages_and_every_page_repeats_the_table_header(
    many_recipients,
):
    few = bulk_awarded_grants(3, award_date=datetime.date(2026, 6, 1), amount=Decimal("10"))
    assert few
    short = render_report(ReportKind.FUNDING_AWARDED, {"year": 2026}, title="Short")
    long = _funding_awarded()

    assert long.pages > short.pages
    pages_with_recipients = [
        page for page in pdf_pages(long.content) if re.search(r"^Organisation \d+ ", page, re.M)
    ]
    assert len(pages_with_recipients) >= 2
    for page in pages_with_recipients:
        assert RECIPIENT_HEADER in " ".join(page.split())


def test_no_table_row_is_cut_across_two_pages(many_recipients):
    rendered = _funding_awarded()
    figures = selectors_pdf.funding_awarded(2025)

    rows_seen = 0
    for page in pdf_pages(rendered.content):
        for line in page.splitlines():
            if re.match(r"Organisation \d+ ", line):
                # The whole row, down to its share, is on the page with its name.
                assert re.fullmatch(r"Organisation \d+ 1 £1,234\.56 \d+\.\d%", line.strip()), line
                rows_seen += 1
    assert rows_seen == len(figures.by_recipient) == 120


def test_charts_are_drawn_by_pygal_as_inline_svg():
    svg = charts.bar_chart("Money <by> source", ["MoJ & partners"], [("Budget", [Decimal("1.5")])])

    assert svg.startswith("<svg")
    assert "pygal" in svg
    assert "<script" not in svg
    assert "Money &lt;by&gt; source" in svg
    assert "MoJ &amp; partners" in svg


def test_a_reports_charts_are_printed(many_recipients):
    text = pdf_text(_funding_awarded().content)

    assert "Funding awarded by programme" in text
    assert "Funding awarded by beneficiary area" in text


def test_printing_fetches_nothing_from_outside_the_document(tmp_path):
    stylesheet = tmp_path / "leak.css"
    stylesheet.write_text('body::before { content: "LEAKED STYLESHEET"; }')

    rendered = render_pdf(
        f'<html><head><link rel="stylesheet" href="file://{stylesheet}"></head>'
        f'<body><p>Inside</p><img src="file://{stylesheet}" alt="outside"></body></html>'
    )

    text = pdf_text(rendered.content)
    assert "Inside" in text
    assert "LEAKED" not in text


def test_forward_plan_pdf_lists_the_months_ahead_and_contracts_not_recommissioned():
    today = timezone.localdate()
    soon = today.replace(day=1) + datetime.timedelta(days=40)
    MilestoneFactory(date=soon, title="Advocacy service review")
    MilestoneFactory(
        date=today + datetime.timedelta(days=100),
        kind=MilestoneKind.CONTRACT_END,
        title="Advocacy contract ends",
    )
    MilestoneFactory(date=today - datetime.timedelta(days=60), title="Last year's review")

    rendered = render_report(ReportKind.FORWARD_PLAN, {}, title="Forward plan")
    text = pdf_text(rendered.content)
    plan = rendered.figures

    assert "Forward plan" in text
    assert f"{ukdate(plan.start)} to {ukdate(plan.end)}" in text
    for heading in ("At a glance", "Contract ends not yet re-commissioned", "Month by month"):
        assert heading in text
    assert soon.strftime("%B %Y") in text
    assert f"{ukdate(soon)} Advocacy service review Review" in text
    assert "Advocacy contract ends" in text
    assert "Last year's review" not in text.replace("’", "'")
    assert f"Total {plan.total}" in text and plan.total == 2
    assert [w.title for w in plan.warnings] == ["Advocacy contract ends"]
    assert "Milestones each month" in text  # the chart
