"""Pages served again while nothing under them has changed (commissioning/pagecache.py):
what a person sees is always what they would have seen had the page been rendered anew.

These tests commit (``transactional_db``), as a page's tables are renewed only when a
write commits."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning.models import Notification, Role
from grants.models import Grant
from tests.factories import GrantFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    settings.FRESH_CACHE = True
    settings.PAGE_CACHE = True
    cache.clear()
    yield
    cache.clear()


def signed_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    client.get(reverse("dashboard"))  # the browser now holds its CSRF cookie
    return client


def page_queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def rendered(client, url) -> bool:
    """Whether the page was rendered by its templates (not served from the cache)."""
    response = client.get(url)
    assert response.status_code == 200
    return bool(response.templates)


@pytest.fixture
def grant():
    return GrantFactory(title="Night shelter", amount=Decimal("15000.00"))


def test_a_page_seen_again_is_served_without_rendering_it_again(grant):
    client = signed_in(grant.responsible_officer)
    url = reverse("grant-list")
    assert rendered(client, url)
    first_queries, first = page_queries(client, url)
    assert not rendered(client, url)
    again_queries, again = page_queries(client, url)
    assert again == first
    assert "Night shelter" in again
    assert again_queries <= 2  # the session and the user, nothing of the page's own


def test_a_change_by_anyone_shows_at_once(grant):
    client = signed_in(grant.responsible_officer)
    detail = grant.get_absolute_url()
    page_queries(client, detail)
    page_queries(client, reverse("grant-list"))
    Grant.objects.filter(pk=grant.pk).update(title="Day centre")  # someone else, elsewhere
    assert "Day centre" in page_queries(client, detail)[1]
    assert "Day centre" in page_queries(client, reverse("grant-list"))[1]


def test_a_change_read_only_by_the_header_shows_at_once(grant):
    """The unread count is read by a context processor, not by the view: it is seen."""
    officer = grant.responsible_officer
    client = signed_in(officer)
    url = reverse("grant-list")
    page_queries(client, url)
    Notification.objects.create(recipient=officer, key="test:1", title="Look at this")
    html = page_queries(client, url)[1]
    assert re.search(r"Notifications.{0,200}1", html, re.S)


def test_people_never_share_a_page(grant):
    officer = grant.responsible_officer
    viewer = UserFactory(role=Role.VIEWER, full_name="Vera Viewer")
    url = grant.get_absolute_url()
    officer_page = page_queries(signed_in(officer), url)[1]
    viewer_page = page_queries(signed_in(viewer), url)[1]
    assert "Vera Viewer" in viewer_page and "Vera Viewer" not in officer_page
    assert officer.full_name in officer_page


def test_a_role_taken_away_changes_the_page_and_access_is_checked_every_time(grant):
    officer = grant.responsible_officer
    client = signed_in(officer)
    url = reverse("grant-list")
    page_queries(client, url)
    officer.role = Role.PROVIDER  # now outside the office: the list is not theirs to see
    officer.organisation = grant.recipient
    officer.save()
    response = client.get(url)
    assert response.templates, "a page rendered for their old role was served"
    assert "Responsible officer" not in response.content.decode()  # the office's filter
    officer.is_active = False
    officer.save()
    assert client.get(url).status_code == 302  # signed out: to the sign-in page


def test_a_waiting_message_is_shown_not_a_page_from_before(grant):
    officer = grant.responsible_officer
    client = signed_in(officer)
    url = reverse("notification-list")
    page_queries(client, url)
    Notification.objects.create(recipient=officer, key="test:2", title="Read me")
    response = client.post(reverse("notification-read-all"), follow=True)
    assert "1 notification marked as read" in response.content.decode()


def test_a_form_on_a_page_served_again_still_posts(grant):
    """The CSRF token on a page served from the cache belongs to the person's cookie."""
    client = signed_in(grant.responsible_officer, enforce_csrf_checks=True)
    url = reverse("notification-list")
    page_queries(client, url)
    html = page_queries(client, url)[1]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = client.post(reverse("notification-read-all"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_downloads_and_other_answers_are_not_kept(grant):
    client = signed_in(grant.responsible_officer)
    export = reverse("grant-export")
    first = client.get(export)
    assert first["Content-Type"].startswith("text/csv")
    GrantFactory(title="Second grant")
    assert b"Second grant" in b"".join(client.get(export).streaming_content)


def test_off_when_the_setting_is_off(settings, grant):
    settings.PAGE_CACHE = False
    client = signed_in(grant.responsible_officer)
    url = reverse("grant-list")
    assert rendered(client, url)
    assert rendered(client, url)


def test_a_provider_never_gets_another_organisations_page_from_the_cache():
    from tests.monitoring.factories import MonitoringReturnFactory

    own = MonitoringReturnFactory()
    theirs = MonitoringReturnFactory()
    provider = UserFactory(role=Role.PROVIDER, organisation=own.organisation)
    other = UserFactory(role=Role.PROVIDER, organisation=theirs.organisation)
    other_client = signed_in(other)
    assert rendered(other_client, theirs.get_absolute_url())
    assert not rendered(other_client, theirs.get_absolute_url())  # kept for them
    client = signed_in(provider)
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert rendered(client, own.get_absolute_url())
