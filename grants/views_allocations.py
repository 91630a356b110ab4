"""Local allocations: split a fund across the areas by weighted population and recorded
crime, to the penny, save the split with the figures behind it, and make one draft grant
per area from it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from commissioning.access import Access, PortalAccessMixin
from commissioning.exports import Column, export_response
from commissioning.history import history_entries
from commissioning.views.base import PAGE_SIZE, PolicyObjectMixin, ServiceFormView

from . import services
from .forms_allocations import AllocationForm, AllocationGrantsForm
from .models import GrantStatus
from .policies import allocation_policy

PERCENT = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ShareRow:
    """One area's line in a split: its figures, its shares of each and its amount."""

    area: str
    population: int
    population_year: int
    population_source: str
    recorded_crime: int
    crime_year: str
    crime_source: str
    population_share: Decimal  # per cent
    crime_share: Decimal  # per cent
    weighted_share: Decimal  # per cent
    amount: Decimal


@dataclass(frozen=True)
class Split:
    rows: list[ShareRow]
    total_population: int
    total_crime: int
    total: Decimal


def _percent(part: int | Decimal, whole: int | Decimal) -> Decimal:
    if not whole:
        return Decimal("0.00")
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(PERCENT)


def _split(rows: list[dict]) -> Split:
    """Rows of figures (``area``, ``population``, …, ``weight``, ``amount``) with each
    area's share of the population and of recorded crime worked out for display."""
    total_population = sum(row["population"] for row in rows)
    total_crime = sum(row["recorded_crime"] for row in rows)
    share_rows = []
    for row in rows:
        figures = dict(row)
        weight = figures.pop("weight")
        share_rows.append(
            ShareRow(
                population_share=_percent(row["population"], total_population),
                crime_share=_percent(row["recorded_crime"], total_crime),
                weighted_share=(weight * HUNDRED).quantize(PERCENT),
                **figures,
            )
        )
    return Split(
        rows=share_rows,
        total_population=total_population,
        total_crime=total_crime,
        total=sum((row["amount"] for row in rows), Decimal("0.00")),
    )


def preview_split(shares) -> Split:
    """The split ``services.allocation_preview`` returned, with today's figures."""
    return _split(
        [
            {
                "area": share.key.name,
                "population": share.key.population,
                "population_year": share.key.population_year,
                "population_source": share.key.population_source,
                "recorded_crime": share.key.recorded_crime,
                "crime_year": share.key.crime_year,
                "crime_source": share.key.crime_source,
                "weight": share.weight,
                "amount": share.amount,
            }
            for share in shares
        ]
    )


def saved_split(shares) -> Split:
    """A saved allocation's shares with the figures as they were when it was saved."""
    return _split(
        [
            {
                "area": share.area.name,
                "population": share.population,
                "population_year": share.population_year,
                "population_source": share.population_source,
                "recorded_crime": share.recorded_crime,
                "crime_year": share.crime_year,
                "crime_source": share.crime_source,
                "weight": share.weight,
                "amount": share.amount,
            }
            for share in shares
        ]
    )


def _allocation_rows(user):
    return (
        allocation_policy.visible_to(user)
        .select_related("created_by", "funding_stream", "programme", "workstream")
        .annotate(grant_count=Count("grants"))
        .order_by("-created_at", "-pk")
    )


class AllocationListView(PortalAccessMixin, ListView):
    access = Access.STAFF
    template_name = "grants/allocation_list.html"
    context_object_name = "allocations"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return _allocation_rows(self.request.user)


ALLOCATION_EXPORT_COLUMNS = [
    Column("Title", lambda a: a.title),
    Column("Total (£)", lambda a: a.total),
    Column("Population weight (%)", lambda a: a.population_weight),
    Column("Crime weight (%)", lambda a: a.crime_weight),
    Column("Funding stream", lambda a: str(a.funding_stream) if a.funding_stream_id else ""),
    Column("Programme", lambda a: a.programme.name if a.programme_id else ""),
    Column("Workstream", lambda a: a.workstream.title if a.workstream_id else ""),
    Column("Made by", lambda a: str(a.created_by)),
    Column("Made on", lambda a: timezone.localdate(a.created_at)),
    Column("Grants made", lambda a: a.grant_count),
]


class AllocationExportView(PortalAccessMixin, View):
    """The list as CSV or XLSX (``?format=xlsx``): one row per allocation."""

    access = Access.STAFF
    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
        return export_response(
            fmt, "local-allocations", ALLOCATION_EXPORT_COLUMNS, _allocation_rows(request.user)
        )


class AllocationCreateView(ServiceFormView):
    """Calculate (``preview``: nothing saved) or save a split. Calculate works by GET,
    so a split can be linked to, or by POST from the same form as the save button."""

    access = Access.EDITORS
    form_class = AllocationForm
    template_name = "grants/allocation_form.html"
    success_message = "The allocation “%(object)s” has been saved"

    def get(self, request, *args, **kwargs):
        if "preview" in request.GET:
            return self._preview(self.form_class(data=request.GET))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if "preview" in request.POST:
            return self._preview(self.get_form())
        return super().post(request, *args, **kwargs)

    def _preview(self, form):
        split = None
        if form.is_valid():
            data = form.cleaned_data
            try:
                split = preview_split(
                    services.allocation_preview(
                        total=data["total"],
                        areas=list(data["areas"]),
                        population_weight=data["population_weight"],
                        crime_weight=data["crime_weight"],
                    )
                )
            except ValidationError as error:
                self._add_service_errors(form, error)
        return self.render_to_response(self.get_context_data(form=form, split=split))

    def perform(self, form):
        data = form.cleaned_data
        return services.allocation_create(
            by=self.request.user,
            title=data["title"],
            total=data["total"],
            areas=list(data["areas"]),
            population_weight=data["population_weight"],
            crime_weight=data["crime_weight"],
            funding_stream=data["funding_stream"],
            programme=data["programme"],
            workstream=data["workstream"],
        )


class AllocationDetailView(PolicyObjectMixin, ServiceFormView):
    """A saved split and the form that makes its draft grants (editors only POST)."""

    access = Access.STAFF
    policy = allocation_policy
    form_class = AllocationGrantsForm
    template_name = "grants/allocation_detail.html"
    context_object_name = "allocation"

    def get_object(self):
        if not hasattr(self, "_object"):
            self._object = get_object_or_404(
                allocation_policy.visible_to(self.request.user).select_related(
                    "created_by", "funding_stream", "programme", "workstream"
                ),
                pk=self.kwargs["pk"],
            )
        return self._object

    def get_initial(self):
        allocation = self.get_object()
        initial = {"purpose": allocation.title}
        if allocation.funding_stream_id:
            initial["start_date"] = allocation.funding_stream.year.start
            initial["end_date"] = allocation.funding_stream.year.end
        if self.request.user.can_edit:
            initial["responsible_officer"] = self.request.user.pk
        return initial

    def missing_for_grants(self) -> list[str]:
        allocation = self.get_object()
        missing = []
        if allocation.programme_id is None:
            missing.append("a programme")
        if allocation.workstream_id is None:
            missing.append("a workstream")
        return missing

    def get_context_data(self, **kwargs):
        allocation = self.get_object()
        shares = list(
            allocation.shares.select_related("area", "area__allocation_recipient").order_by(
                "area__name"
            )
        )
        grants = list(
            allocation.grants.select_related("recipient", "beneficiary_area").order_by(
                "beneficiary_area__name", "reference"
            )
        )
        return super().get_context_data(
            split=saved_split(shares),
            shares=shares,
            without_recipient=[s.area.name for s in shares if s.area.allocation_recipient is None],
            grants=grants,
            grants_total=sum((grant.amount for grant in grants), Decimal("0.00")),
            drafts=sum(grant.status == GrantStatus.DRAFT for grant in grants),
            missing_for_grants=self.missing_for_grants(),
            history=history_entries(allocation),
            **kwargs,
        )

    def perform(self, form):
        allocation = self.get_object()
        missing = self.missing_for_grants()
        if missing:
            raise ValidationError(
                "Draft grants need %(missing)s, and this allocation has none recorded",
                params={"missing": " and ".join(missing)},
            )
        data = dict(form.cleaned_data)
        grants = services.allocation_create_grants(
            allocation=allocation,
            by=self.request.user,
            purpose=data["purpose"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            responsible_officer=data["responsible_officer"],
            award_route=data["award_route"],
            direct_award_justification=data["direct_award_justification"].strip(),
        )
        self.success_message = f"{len(grants)} draft grant{'s' if len(grants) != 1 else ''} created"
        return allocation

    def get_success_url(self):
        return self.get_object().get_absolute_url() + "#grants"
