"""A panel's first rows and its total, in one query (commissioning.paging)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commissioning.models import Organisation, OrganisationKind
from commissioning.paging import first_rows
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_first_rows_are_the_querysets_first_in_its_order_with_the_total_in_one_query():
    for name in ("Delta", "Alpha", "Echo", "Charlie", "Bravo"):
        OrganisationFactory(name=f"{name} Trust", kind=OrganisationKind.PROVIDER)
    OrganisationFactory(name="Zulu Council", kind=OrganisationKind.LOCAL_AUTHORITY)
    trusts = Organisation.objects.filter(kind=OrganisationKind.PROVIDER).order_by("-name")

    with CaptureQueriesContext(connection) as queries:
        rows, total = first_rows(trusts, 3)

    assert len(queries) == 1
    assert [row.name for row in rows] == ["Echo Trust", "Delta Trust", "Charlie Trust"]
    assert total == 5


def test_no_rows_count_as_none():
    assert first_rows(Organisation.objects.filter(name="Nobody"), 5) == ([], 0)


def test_fewer_rows_than_the_limit_are_all_shown():
    OrganisationFactory(name="Only Trust")
    rows, total = first_rows(Organisation.objects.filter(name="Only Trust"), 5)
    assert [row.name for row in rows] == ["Only Trust"] and total == 1
