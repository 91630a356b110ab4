"""Money committed to and spent from funding streams, derived from the apps that hold it.

The core cannot import the grants or contracts apps (apps depend downwards only), so each
of them registers where its money lives -- a model with a foreign key to FundingStream,
an amount field and the rows that count -- from its ``AppConfig.ready()``. The sums are
then computed here with one correlated subquery per source, so a list of funding streams
costs one query however many streams, grants or contracts there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)


@dataclass(frozen=True)
class MoneySource:
    """Rows of ``model`` whose ``amount_field`` counts against ``stream_field``'s stream."""

    model: str  # "app_label.ModelName"
    stream_field: str = "funding_stream"
    amount_field: str = "amount"
    condition: Q = field(default_factory=Q)
    #: -1 for money that comes back to the stream (an underspend returned).
    sign: int = 1


_COMMITTED: list[MoneySource] = []
_SPENT: list[MoneySource] = []


def register_commitment(source: MoneySource) -> None:
    if source not in _COMMITTED:
        _COMMITTED.append(source)


def register_spend(source: MoneySource) -> None:
    if source not in _SPENT:
        _SPENT.append(source)


def _total(sources: list[MoneySource]):
    expression = Value(ZERO, output_field=MONEY)
    for source in sources:
        model = apps.get_model(source.model)
        subquery = (
            model.objects.filter(source.condition, **{source.stream_field: OuterRef("pk")})
            .order_by()
            .values(source.stream_field)
            .annotate(total=Sum(source.amount_field))
            .values("total")
        )
        total = Coalesce(Subquery(subquery, output_field=MONEY), Value(ZERO, output_field=MONEY))
        expression = expression + total if source.sign > 0 else expression - total
    return expression


def with_money(queryset: QuerySet) -> QuerySet:
    """Annotate funding streams with ``committed_total``, ``spent_total`` and
    ``headroom_total`` (amount less committed)."""
    return queryset.annotate(
        committed_total=_total(_COMMITTED), spent_total=_total(_SPENT)
    ).annotate(headroom_total=F("amount") - F("committed_total"))
