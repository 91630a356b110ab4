from __future__ import annotations

from .. import selectors, services
from ..access import Access
from ..exports import Column
from ..filters import FundingStreamFilter
from ..forms import FundingStreamForm
from ..history import history_entries
from ..policies import funding_stream_policy
from ..sections import sections_for
from .base import (
    PortalDetailView,
    PortalExportView,
    PortalListView,
    ServiceFormView,
    ServiceUpdateView,
)


class FundingStreamRows:
    access = Access.STAFF
    policy = funding_stream_policy
    selector = staticmethod(selectors.funding_stream_list)
    filterset_class = FundingStreamFilter


class FundingStreamExportView(FundingStreamRows, PortalExportView):
    export_stem = "funding-streams"
    export_columns = [
        Column("Funding stream", lambda s: s.name),
        Column("Reference", lambda s: s.reference),
        Column("Financial year", lambda s: s.year.label),
        Column("Source", lambda s: s.get_source_display()),
        Column("Funder", lambda s: s.funder.name),
        Column("Amount (£)", lambda s: s.amount),
        Column("Committed (£)", lambda s: s.committed),
        Column("Spent (£)", lambda s: s.spent),
        Column("Headroom (£)", lambda s: s.headroom),
    ]


class FundingStreamListView(FundingStreamRows, PortalListView):
    template_name = "commissioning/funding_stream_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Totals cover every stream the filters select, not just this page's.
        context["totals_by_year"] = selectors.funding_totals_by_year(self.object_list)
        return context


class FundingStreamDetailView(PortalDetailView):
    access = Access.STAFF
    policy = funding_stream_policy
    template_name = "commissioning/funding_stream_detail.html"
    context_object_name = "stream"

    def get_queryset(self):
        return selectors.funding_stream_list(queryset=super().get_queryset())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = history_entries(self.object)
        context["sections"] = sections_for("funding-stream", self.object, self.request.user)
        return context


class FundingStreamCreateView(ServiceFormView):
    access = Access.EDITORS
    form_class = FundingStreamForm
    template_name = "commissioning/funding_stream_form.html"
    success_message = "%(object)s has been added"

    def perform(self, form):
        return services.funding_stream_create(by=self.request.user, **form.cleaned_data)


class FundingStreamUpdateView(ServiceUpdateView):
    access = Access.EDITORS
    policy = funding_stream_policy
    form_class = FundingStreamForm
    template_name = "commissioning/funding_stream_form.html"
    context_object_name = "stream"
    success_message = "%(object)s has been updated"

    def perform(self, form):
        return services.funding_stream_update(
            funding_stream=self.get_object(), by=self.request.user, **form.cleaned_data
        )
