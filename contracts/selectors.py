"""Read queries over procurements and contracts."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from .models import Contract, Procurement, ProcurementStatus


def procurement_under_way() -> Exists:
    """For re-commissioning warnings (correlated to a contract-end Milestone): a
    procurement on the milestone's workstream re-commissions that contract end — unless
    it is cancelled, or it is the procurement that let a contract already running by
    then (the one whose end the milestone is)."""
    let_already = Contract.objects.filter(
        procurement=OuterRef("pk"), start_date__lte=OuterRef(OuterRef("date"))
    )
    return Exists(
        Procurement.objects.filter(workstream=OuterRef("workstream"))
        .exclude(status=ProcurementStatus.CANCELLED)
        .exclude(Exists(let_already))
    )
