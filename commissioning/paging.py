"""Paging at scale: a panel's first rows and their total in one query, and a paginator
whose count and pages are cached figures.

A dashboard panel shows the first few rows of a list and "and N more". Counting with a
second query doubled the panels' queries; ``COUNT(*) OVER ()`` gives the total with the
rows themselves (PostgreSQL and SQLite both have window functions). The database still
has to find every matching row to count them, as the separate count did, so this is for
lists a panel bounds, not for paging a whole table.
"""

from __future__ import annotations

from functools import cached_property, partial

from django.core.paginator import Paginator
from django.db.models import Count, QuerySet, Window

from .freshness import cached

#: The annotation the total travels in; not a field name any model uses.
TOTAL = "_bounded_total"


def bounded(queryset: QuerySet, limit: int) -> tuple[list, int]:
    """The first ``limit`` rows of ``queryset`` (in its order) and how many rows it has
    in all."""
    rows = list(queryset.annotate(**{TOTAL: Window(Count("pk"))})[:limit])
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
