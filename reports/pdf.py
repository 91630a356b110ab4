"""Rendering the PDF reports: each kind of report names its template, the selector that
gives its figures and the charts drawn from them; ``render_report`` prints one to PDF
with WeasyPrint.

The HTML is rendered by Django's templates (so every value is escaped) and printed with
the print stylesheet in ``templates/reports/pdf/print.css``: A4, a running header with
the office's name and the report's title, "Page 3 of 12" and the generated date in the
footer, table headers repeated on every page and no row cut across pages. WeasyPrint
fetches nothing: charts are inline SVG and the stylesheet is inline, and any other URL
is refused.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from commissioning.dates import FinancialYear

from . import charts, selectors_pdf
from .models import ReportKind

# WeasyPrint logs every step of every render at INFO; its warnings are what matter. It
# is imported only when a report is printed (importing it takes a third of a second).
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# --- The reports ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportSpec:
    kind: ReportKind
    template: str
    #: The parameter that names the report's subject ("contract", "year"), or None.
    param: str | None
    #: The figures, from the report's parameters.
    build: Callable[[dict], object]
    #: Inline SVG charts drawn from the figures, by name.
    charts: Callable[[object], dict]
    #: What the report is called, from its subject (a record, a FinancialYear, None).
    title: Callable[[object], str]


def _no_charts(_report) -> dict:
    return {}


def _workstream_charts(report: selectors_pdf.WorkstreamSummary) -> dict:
    if not any(stage.total for stage in report.stages):
        return {}
    return {
        "checklist": charts.bar_chart(
            "Cycle checklist: items done and still to do",
            [stage.stage for stage in report.stages],
            [
                ("Done", [stage.done for stage in report.stages]),
                ("To do", [stage.total - stage.done for stage in report.stages]),
            ],
            money=False,
            stacked=True,
        )
    }


def _contract_charts(report: selectors_pdf.ContractReviewPack) -> dict:
    drawn: dict = {
        # Each KPI with figures reported, with its chart: reported against target.
        "kpis": [
            (
                kpi,
                charts.line_chart(
                    f"{kpi.name} ({kpi.unit})",
                    [period for period, _value in kpi.actuals],
                    [
                        ("Reported", [value for _period, value in kpi.actuals]),
                        ("Target", [kpi.target] * len(kpi.actuals)),
                    ],
                ),
            )
            for kpi in report.kpis
            if kpi.actuals
        ]
    }
    if report.spend:
        drawn["spend"] = charts.bar_chart(
            "Spend against profile",
            [row.period for row in report.spend],
            [
                ("Profile", [row.profile for row in report.spend]),
                ("Actual", [row.actual for row in report.spend]),
            ],
        )
    return drawn


def _forward_plan_charts(report: selectors_pdf.ForwardPlan) -> dict:
    if not report.total:
        return {}
    return {
        "months": charts.bar_chart(
            "Milestones each month",
            [month.strftime("%b %Y") for month in report.month_starts],
            report.kind_series,
            money=False,
            stacked=True,
        )
    }


def _funding_charts(report: selectors_pdf.FundingAwarded) -> dict:
    if not report.count:
        return {}
    return {
        "programmes": charts.bar_chart(
            "Funding awarded by programme",
            [row.label for row in report.by_programme],
            [("Awarded", [row.amount for row in report.by_programme])],
            horizontal=True,
        ),
        "areas": charts.pie_chart(
            "Funding awarded by beneficiary area",
            [(row.label, row.amount) for row in report.by_area],
        ),
    }


def _annual_charts(report: selectors_pdf.AnnualReport) -> dict:
    drawn = {}
    if report.by_source:
        drawn["sources"] = charts.bar_chart(
            "Funding streams by source: budget, committed and spent",
            [row.source for row in report.by_source],
            [
                ("Budget", [row.budget for row in report.by_source]),
                ("Committed", [row.committed for row in report.by_source]),
                ("Spent", [row.spent for row in report.by_source]),
            ],
            horizontal=True,
        )
    if report.charged:
        drawn["roles"] = charts.pie_chart(
            "Money charged by commissioning role",
            [(row.label, row.total) for row in report.by_role],
        )
    if report.decision_counts:
        drawn["decisions"] = charts.bar_chart(
            "Decisions taken and declined",
            [row.decision_type for row in report.decision_counts],
            [
                ("Approved", [row.approved for row in report.decision_counts]),
                ("Declined", [row.declined for row in report.decision_counts]),
            ],
            money=False,
        )
    return drawn


def _year_label(year: FinancialYear) -> str:
    return year.label


REPORTS: dict[str, ReportSpec] = {
    spec.kind: spec
    for spec in (
        ReportSpec(
            ReportKind.DECISION_RECORD,
            "reports/pdf/decision_record.html",
            "assessment",
            lambda params: selectors_pdf.decision_record(params["assessment"]),
            _no_charts,
            lambda assessment: f"Decision record: {assessment.reference} {assessment.title}",
        ),
        ReportSpec(
            ReportKind.WORKSTREAM_SUMMARY,
            "reports/pdf/workstream_summary.html",
            "workstream",
            lambda params: selectors_pdf.workstream_summary(params["workstream"]),
            _workstream_charts,
            lambda workstream: f"Workstream summary: {workstream.title}",
        ),
        ReportSpec(
            ReportKind.CONTRACT_REVIEW_PACK,
            "reports/pdf/contract_review_pack.html",
            "contract",
            lambda params: selectors_pdf.contract_review_pack(params["contract"]),
            _contract_charts,
            lambda contract: f"Contract review pack: {contract.reference} {contract.title}",
        ),
        ReportSpec(
            ReportKind.FORWARD_PLAN,
            "reports/pdf/forward_plan.html",
            None,
            lambda params: selectors_pdf.forward_plan(),
            _forward_plan_charts,
            lambda _subject: "Forward plan",
        ),
        ReportSpec(
            ReportKind.FUNDING_AWARDED,
            "reports/pdf/funding_awarded.html",
            "year",
            lambda params: selectors_pdf.funding_awarded(params["year"]),
            _funding_charts,
            lambda year: f"Funding awarded in {_year_label(year)}",
        ),
        ReportSpec(
            ReportKind.ANNUAL_REPORT,
            "reports/pdf/annual_report.html",
            "year",
            lambda params: selectors_pdf.annual_report(params["year"]),
            _annual_charts,
            lambda year: f"Annual commissioning report {_year_label(year)}",
        ),
    )
}


# --- Rendering --------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedPDF:
    content: bytes
    pages: int


@dataclass(frozen=True)
class RenderedReport:
    content: bytes
    pages: int
    file_name: str
    figures: object


def render_pdf(html: str) -> RenderedPDF:
    """Print HTML to PDF; returns the bytes and the number of pages. Everything a report
    needs is inline, so WeasyPrint may fetch nothing but ``data:`` URLs."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, timeout=1)
    document = HTML(string=html, url_fetcher=fetcher, base_url=None).render()
    return RenderedPDF(document.write_pdf(), len(document.pages))


def report_file_name(title: str, generated_at: datetime.datetime) -> str:
    day = timezone.localtime(generated_at).date().isoformat()
    return f"{slugify(title)[:150] or 'report'}-{day}.pdf"


def render_report(
    kind: str, params: dict, *, title: str, generated_at: datetime.datetime | None = None
) -> RenderedReport:
    """Build one report's figures, draw its charts and print it."""
    spec = REPORTS[kind]
    generated_at = generated_at or timezone.now()
    figures = spec.build(params)
    html = render_to_string(
        spec.template,
        {
            "report": figures,
            "charts": spec.charts(figures),
            "title": title,
            "office_name": settings.OFFICE_NAME,
            "service_name": settings.SERVICE_NAME,
            "generated_at": generated_at,
        },
    )
    rendered = render_pdf(html)
    return RenderedReport(
        rendered.content, rendered.pages, report_file_name(title, generated_at), figures
    )
