"""Read queries over procurements and contracts."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from .models import Procurement, ProcurementStatus


def procurement_under_way() -> Exists:
    """For re-commissioning warnings: a procurement (not cancelled) on the milestone's
    workstream re-commissions its contract end."""
    return Exists(
        Procurement.objects.filter(workstream=OuterRef("workstream")).exclude(
            status=ProcurementStatus.CANCELLED
        )
    )
