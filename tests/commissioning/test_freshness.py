"""Cached figures (commissioning/freshness.py): served from the cache only while no table
under them has changed, however the change was written.

These tests commit (``transactional_db``): a figure's tables are renewed when a write
commits, which a test rolled back at its end never does."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from commissioning import freshness
from commissioning.freshness import cached
from commissioning.models import Organisation, Role
from grants.models import Payment, PaymentStatus
from grants.services import payment_mark_paid
from tests.conftest import require, uses_postgres
from tests.factories import GrantFactory, OrganisationFactory, UserFactory, awarded_grant

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    settings.FRESH_CACHE = True
    cache.clear()
    yield
    cache.clear()


class Counter:
    """A figure that counts how often it is really computed."""

    def __init__(self, queryset):
        self.queryset = queryset
        self.runs = 0

    def __call__(self):
        self.runs += 1
        return self.queryset.count()

    def get(self):
        return cached("test-count", self, reads=[self.queryset])


def test_a_figure_is_computed_once_while_nothing_changes(django_assert_num_queries):
    OrganisationFactory.create_batch(3)
    figure = Counter(Organisation.objects.all())
    assert figure.get() == 3
    with django_assert_num_queries(0):
        assert figure.get() == 3
    assert figure.runs == 1


def test_a_write_to_another_table_keeps_the_figure():
    OrganisationFactory()
    figure = Counter(Organisation.objects.all())
    figure.get()
    UserFactory(role=Role.OFFICER)
    assert figure.get() == 1
    assert figure.runs == 1


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda: OrganisationFactory(), id="save"),
        pytest.param(
            lambda: Organisation.objects.bulk_create(
                [Organisation(name="Bulk one"), Organisation(name="Bulk two")]
            ),
            id="bulk_create",
        ),
        pytest.param(lambda: Organisation.objects.filter(name="B").delete(), id="delete"),
        pytest.param(
            lambda: Organisation.objects.filter(name="A").update(is_active=False), id="update"
        ),
        pytest.param(
            lambda: connection.cursor().execute(
                'UPDATE "commissioning_organisation" SET "is_active" = %s', [False]
            ),
            id="raw SQL",
        ),
    ],
)
def test_any_committed_write_renews_the_figure(write):
    OrganisationFactory(name="A")
    OrganisationFactory(name="B")
    active = Organisation.objects.filter(is_active=True)
    figure = Counter(active)
    before = figure.get()
    with transaction.atomic():
        write()
    assert figure.get() == active.count()
    assert figure.runs == 2, f"the figure was not computed again (before: {before})"


def test_a_transaction_that_wrote_neither_uses_nor_keeps_the_cached_figure():
    OrganisationFactory()
    figure = Counter(Organisation.objects.all())
    assert figure.get() == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        OrganisationFactory()
        # Its own view of the table, not the cached one ...
        assert figure.get() == 2
        raise RuntimeError("roll back")
    # ... and what it saw, never committed, was not cached for anyone else.
    assert figure.get() == 1
    assert figure.runs == 2


def test_a_write_committed_while_the_figure_is_computed_is_not_hidden():
    """The figure is stored under the tables' tokens read before computing it: a write
    committed meanwhile leaves it stored as out of date, so it is computed again."""
    OrganisationFactory()
    queryset = Organisation.objects.all()
    runs = []

    def slow_count():
        value = queryset.count()
        if not runs:
            OrganisationFactory()  # committed by someone else while we counted
        runs.append(value)
        return value

    assert cached("test-race", slow_count, reads=[queryset]) == 1
    assert cached("test-race", slow_count, reads=[queryset]) == 2


def test_a_lost_token_or_forget_all_never_brings_an_old_figure_back():
    OrganisationFactory()
    figure = Counter(Organisation.objects.all())
    figure.get()
    cache.delete(freshness._generation_key("commissioning_organisation"))
    figure.get()
    assert figure.runs == 2
    freshness.forget_all()
    figure.get()
    assert figure.runs == 3


def test_off_unless_the_setting_is_on(settings):
    settings.FRESH_CACHE = False
    figure = Counter(Organisation.objects.all())
    figure.get()
    figure.get()
    assert figure.runs == 2


# --- Through the pages -----------------------------------------------------------------


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_grant_list_totals_move_when_a_payment_is_marked_paid():
    grant = awarded_grant(amount=Decimal("12000.00"))
    officer = grant.responsible_officer
    client = _signed_in(officer)
    url = reverse("grant-list")
    assert client.get(url).context["totals"].paid == Decimal("0.00")
    payment = grant.payments.order_by("instalment").first()
    payment_mark_paid(
        payment=payment,
        by=officer,
        paid_date=datetime.date(2025, 4, 2),
        payment_reference="BACS-1",
    )
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PAID
    assert client.get(url).context["totals"].paid == payment.amount


def test_list_count_and_rows_move_when_a_grant_is_added():
    first = GrantFactory(title="The first grant")
    client = _signed_in(first.responsible_officer)
    url = reverse("grant-list")
    response = client.get(url)
    assert response.context["paginator"].count == 1
    GrantFactory(title="The second grant")
    response = client.get(url)
    assert response.context["paginator"].count == 2
    assert "The second grant" in response.content.decode()


def test_a_new_officer_appears_in_the_filter_select():
    grant = GrantFactory()
    client = _signed_in(grant.responsible_officer)
    url = reverse("grant-list")
    client.get(url)
    newcomer = UserFactory(role=Role.OFFICER, full_name="Nadia Newcomer")
    GrantFactory(responsible_officer=newcomer)
    assert "Nadia Newcomer" in client.get(url).content.decode()


def test_public_funding_awarded_totals_move_when_a_grant_is_awarded():
    url = reverse("funding-awarded")
    client = Client()
    awarded_grant(amount=Decimal("1000.00"))
    assert client.get(url).context["totals"].grant_value == Decimal("1000.00")
    awarded_grant(amount=Decimal("2500.00"))
    response = client.get(url)
    assert response.context["totals"].grant_value == Decimal("3500.00")
    assert response.context["paginator"].count == 2


# --- Across processes (PostgreSQL and Redis, as in production) -------------------------


def test_a_write_by_another_process_renews_the_figure(settings, redis_url):
    """A Celery worker or a management command writing in its own process renews the
    tokens in the shared cache, so the web process's figure is computed afresh."""
    require(uses_postgres(), "needs PostgreSQL (a database two processes can share)")
    shared = urlunsplit(urlsplit(redis_url)._replace(path="/13"))  # a database of its own
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": shared}
    }
    cache.clear()
    OrganisationFactory()
    figure = Counter(Organisation.objects.all())
    assert figure.get() == 1
    db = connection.settings_dict
    env = {
        **os.environ,
        # the portal's own settings with Redis: the cache every process shares
        "DJANGO_SETTINGS_MODULE": "commissioning.settings.local",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": shared,
        "DEBUG": "false",
    }
    script = (
        "import django; django.setup()\n"
        "from commissioning.models import Organisation\n"
        "Organisation.objects.create(name='Written elsewhere')\n"
    )
    subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        check=True,
        timeout=120,
    )
    assert figure.get() == 2
    assert figure.runs == 2
    cache.clear()
