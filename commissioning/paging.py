"""Paging at scale: a dashboard panel's first rows and their total in one query, and a
paginator whose count and pages are cached figures.

A panel shows the first few rows of a list and "and N more". Counting with a second
query doubled the panels' queries, and counting with ``COUNT(*) OVER ()`` joined every
matching row to everything the panel's ``select_related`` names before the first few
were chosen: at national scale (issue 11) the overdue-returns panel joined ~900 returns
to their schedules, agreements and organisations (~100 ms) to show five. So the rows are
chosen by primary key in a narrow subquery (the queryset's filters and order, no joins
for display) and the total is an uncorrelated scalar subquery, which PostgreSQL runs
once; only the rows shown are joined::

    SELECT <row and its joins>, (SELECT COUNT(*) FROM (<ids matching>) _panel_rows)
    FROM ... WHERE id IN (<ids matching, in order, LIMIT n>) ORDER BY ...

PostgreSQL and SQLite both allow LIMIT in an ``IN`` subquery.
"""

from __future__ import annotations

from functools import cached_property, partial

from django.core.paginator import Paginator
from django.db.models import IntegerField, QuerySet, Subquery

from .freshness import cached

#: The annotation the total travels in; not a field name any model uses.
TOTAL = "_panel_total"


class Total(Subquery):
    """How many rows a queryset has, as a scalar subquery."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _panel_rows)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet):
        super().__init__(queryset.order_by().values("pk"))


def first_rows(queryset: QuerySet, limit: int) -> tuple[list, int]:
    """The first ``limit`` rows of ``queryset`` (in its order) and how many rows it has
    in all, in one query."""
    chosen = queryset.values("pk")[:limit]
    rows = list(queryset.filter(pk__in=chosen).annotate(**{TOTAL: Total(queryset)}))
    return rows, getattr(rows[0], TOTAL) if rows else 0


class FreshPaginator(Paginator):
    """A paginator whose count and pages are cached figures (``commissioning.freshness``):
    computed once, then served from the cache until a table they read changes.

    For lists every visitor pages through alike over many rows: at national scale the
    funding-awarded page's count and its newest-first page each sorted or counted 55,000
    grants and contracts (about 60 ms each) on every request (issue 11)."""

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return super().count
        return cached("page-count", rows.count, reads=[rows])

    def _get_page(self, object_list, number, paginator):
        # Rows with prefetched relations are not cached: the prefetches' tables are not
        # in the rows' SQL, so their changes would not be seen.
        if isinstance(object_list, QuerySet) and not object_list._prefetch_related_lookups:
            object_list = cached("page-rows", partial(list, object_list), reads=[object_list])
        return super()._get_page(object_list, number, paginator)
