"""Funder returns: choose a funding stream and a quarter, see the figures the funder asks
for, and download them as XLSX (figures and outstanding returns) or CSV."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView, View

from commissioning.access import Access, PortalAccessMixin
from commissioning.exports import csv_response
from commissioning.templatetags.portal import money

from . import funder
from .forms_funder import FunderReturnForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form(request) -> FunderReturnForm:
    bound = {"stream", "quarter"} & set(request.GET)
    return FunderReturnForm(request.GET if bound else None)


def _number(value: Decimal) -> str:
    """1300.00 -> 1,300; 12.50 -> 12.5."""
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,}"


def _cell(column: funder.FigureColumn, row: funder.FigureRow) -> dict:
    """A figure as the page shows it."""
    if row.is_total and not column.totalled:
        return {"text": "", "numeric": False}
    value = column.value(row)
    if value is None or value == "":
        text = "–" if column.numeric else ""
    elif column.kind == "money":
        text = money(value)
    elif column.kind == "percent":
        text = f"{value}%"
    elif column.kind == "number":
        text = _number(value)
    else:
        text = str(value)
    return {"text": text, "numeric": column.numeric}


def download_url(result: funder.FunderReturnResult, fmt: str, part: str = "") -> str:
    query = {"stream": result.stream.pk, "quarter": result.quarter, "format": fmt}
    if part:
        query["part"] = part
    return f"{reverse('funder-return-download')}?{urlencode(query)}"


class FunderReturnView(PortalAccessMixin, TemplateView):
    """The form; once a stream and quarter are chosen, the figures below it."""

    access = Access.STAFF
    template_name = "monitoring/funder/funder_return.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = _form(self.request)
        result = None
        if form.is_bound and form.is_valid():
            result = funder.funder_return(
                stream=form.cleaned_data["stream"], quarter=form.cleaned_data["quarter"]
            )
            columns = funder.figure_columns(result)
            context.update(
                {
                    "columns": columns,
                    "figure_rows": [
                        {"row": row, "cells": [_cell(c, row) for c in columns]}
                        for row in result.rows
                    ],
                    "total_cells": [_cell(c, result.totals) for c in columns],
                    "xlsx_url": download_url(result, "xlsx"),
                    "csv_url": download_url(result, "csv"),
                    "outstanding_csv_url": download_url(result, "csv", "outstanding"),
                }
            )
        context.update(
            {
                "form": form,
                "result": result,
                "breadcrumbs": [("Dashboard", reverse("dashboard"))],
            }
        )
        return context


class FunderReturnDownloadView(PortalAccessMixin, View):
    """``?stream=…&quarter=…&format=xlsx|csv``; a CSV holds the figures, or with
    ``&part=outstanding`` the returns still outstanding. An unknown stream or quarter
    answers 404; with neither, the form is where to choose them."""

    access = Access.STAFF

    def get(self, request, *args, **kwargs):
        form = _form(request)
        if not form.is_bound:
            return HttpResponseRedirect(reverse("funder-return"))
        if not form.is_valid():
            raise Http404("No such funding stream or quarter")
        fmt = request.GET.get("format", "csv")
        if fmt not in ("csv", "xlsx"):
            raise Http404("Download as csv or xlsx")
        result = funder.funder_return(
            stream=form.cleaned_data["stream"], quarter=form.cleaned_data["quarter"]
        )
        if fmt == "xlsx":
            response = HttpResponse(funder.workbook_bytes(result), content_type=XLSX)
            filename = f"{result.stem}-{timezone.localdate():%Y-%m-%d}.xlsx"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        if request.GET.get("part") == "outstanding":
            return csv_response(
                f"{result.stem}-outstanding", funder.OUTSTANDING_COLUMNS, result.outstanding
            )
        return csv_response(result.stem, funder.csv_columns(result), funder.csv_rows(result))
