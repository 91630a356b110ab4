"""The forward plan's iCalendar feed: a per-user secret address, and revoking it."""

from __future__ import annotations

import datetime

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commissioning.models import Role
from tests.factories import MilestoneFactory, OrganisationFactory, WorkstreamFactory
from workstreams.models import CalendarFeed, MilestoneKind
from workstreams.services import calendar_feed_issue

SETTINGS_URL = "/workstreams/forward-plan/calendar/"


def feed_url(feed: CalendarFeed) -> str:
    return reverse("calendar-feed", kwargs={"token": feed.token})


def fetch_calendar(feed: CalendarFeed) -> icalendar.Calendar:
    """Fetch the feed as a calendar app does: signed out."""
    response = Client().get(feed_url(feed))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def days_from_today(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def test_the_calendar_urls_are_named():
    assert reverse("calendar-feed-settings") == SETTINGS_URL
    assert reverse("calendar-feed", kwargs={"token": "abc"}) == f"{SETTINGS_URL}abc.ics"
    assert reverse("calendar-feed-create").startswith(SETTINGS_URL)
    assert reverse("calendar-feed-revoke").startswith(SETTINGS_URL)


@pytest.mark.django_db
def test_the_feed_has_one_all_day_event_per_milestone(officer, settings):
    settings.OFFICE_ORG_ID = "GB-GOR-PC390"
    settings.OFFICE_SHORT_NAME = "Avon and Somerset OPCC"
    workstream = WorkstreamFactory(title="Sexual Assault Referral Centre")
    sarc_end = MilestoneFactory(
        workstream=workstream,
        kind=MilestoneKind.CONTRACT_END,
        date=days_from_today(200),
        title="SARC contract ends",
        note="Talk to NHS England about the extension.",
    )
    election = MilestoneFactory(
        workstream=None,
        kind=MilestoneKind.ELECTION,
        date=days_from_today(20),
        title="Commissioner elected",
    )
    feed = calendar_feed_issue(user=officer)

    calendar = fetch_calendar(feed)

    assert str(calendar["X-WR-CALNAME"]) == "Avon and Somerset OPCC forward plan"
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {
        f"milestone-{sarc_end.pk}@gb-gor-pc390",
        f"milestone-{election.pk}@gb-gor-pc390",
    }
    sarc = events[f"milestone-{sarc_end.pk}@gb-gor-pc390"]
    start = sarc.decoded("DTSTART")
    assert start == sarc_end.date and not isinstance(start, datetime.datetime)
    assert str(sarc["SUMMARY"]) == "Contract ends: SARC contract ends"
    assert "Sexual Assault Referral Centre" in str(sarc["DESCRIPTION"])
    assert "Talk to NHS England about the extension." in str(sarc["DESCRIPTION"])
    assert str(sarc["URL"]).endswith(reverse("workstream-detail", kwargs={"pk": workstream.pk}))
    assert str(events[f"milestone-{election.pk}@gb-gor-pc390"]["SUMMARY"]) == (
        "PCC election: Commissioner elected"
    )


@pytest.mark.django_db
def test_the_feed_reaches_back_one_month_only(officer):
    MilestoneFactory(date=days_from_today(-20), title="Three weeks ago")
    MilestoneFactory(date=days_from_today(-45), title="Six weeks ago")
    feed = calendar_feed_issue(user=officer)

    summaries = {str(event["SUMMARY"]) for event in fetch_calendar(feed).walk("VEVENT")}

    assert summaries == {"Review: Three weeks ago"}


@pytest.mark.django_db
def test_a_milestone_keeps_its_uid_between_fetches(officer):
    MilestoneFactory(date=days_from_today(10))
    feed = calendar_feed_issue(user=officer)

    first = [str(e["UID"]) for e in fetch_calendar(feed).walk("VEVENT")]
    second = [str(e["UID"]) for e in fetch_calendar(feed).walk("VEVENT")]

    assert first == second and len(first) == 1


@pytest.mark.django_db
def test_fetching_the_feed_records_when_it_was_last_used(officer):
    feed = calendar_feed_issue(user=officer)
    assert feed.last_used_at is None

    fetch_calendar(feed)

    feed.refresh_from_db()
    assert feed.last_used_at is not None


@pytest.mark.django_db
def test_an_unknown_address_answers_404(client):
    assert (
        client.get(reverse("calendar-feed", kwargs={"token": "not-a-real-one"})).status_code == 404
    )


@pytest.mark.django_db
def test_a_revoked_address_answers_404(officer_client, officer):
    MilestoneFactory(date=days_from_today(10))
    feed = calendar_feed_issue(user=officer)
    assert Client().get(feed_url(feed)).status_code == 200

    response = officer_client.post(reverse("calendar-feed-revoke"))

    assert response.status_code == 302
    assert not CalendarFeed.objects.filter(user=officer).exists()
    assert Client().get(feed_url(feed)).status_code == 404


@pytest.mark.django_db
def test_a_deactivated_users_address_answers_404(make_user):
    user = make_user(Role.OFFICER)
    feed = calendar_feed_issue(user=user)
    user.is_active = False
    user.save(update_fields=["is_active"])

    assert Client().get(feed_url(feed)).status_code == 404


@pytest.mark.django_db
def test_an_address_answers_404_once_its_owner_is_no_longer_office_staff(make_user):
    user = make_user(Role.VIEWER)
    feed = calendar_feed_issue(user=user)
    assert Client().get(feed_url(feed)).status_code == 200
    user.role = Role.PROVIDER
    user.organisation = OrganisationFactory()
    user.save(update_fields=["role", "organisation"])

    assert Client().get(feed_url(feed)).status_code == 404


@pytest.mark.django_db
def test_the_settings_page_offers_an_address_to_a_user_without_one(officer_client):
    response = officer_client.get(SETTINGS_URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Create my calendar address" in content
    assert "Stop this address working" not in content
    assert ".ics" not in content


@pytest.mark.django_db
def test_creating_an_address_shows_it_on_the_settings_page(officer_client, officer):
    response = officer_client.post(reverse("calendar-feed-create"))

    assert response.status_code == 302
    assert response["Location"] == SETTINGS_URL
    feed = CalendarFeed.objects.get(user=officer)
    page = officer_client.get(SETTINGS_URL).content.decode()
    assert f"http://testserver{feed_url(feed)}" in page
    assert "Stop this address working" in page
    assert "Create my calendar address" not in page


@pytest.mark.django_db
def test_asking_again_keeps_the_same_address(officer_client, officer):
    officer_client.post(reverse("calendar-feed-create"))
    first = CalendarFeed.objects.get(user=officer).token

    officer_client.post(reverse("calendar-feed-create"))

    assert CalendarFeed.objects.get(user=officer).token == first


@pytest.mark.django_db
def test_a_new_address_after_revoking_is_different(officer_client, officer):
    officer_client.post(reverse("calendar-feed-create"))
    old = CalendarFeed.objects.get(user=officer).token
    officer_client.post(reverse("calendar-feed-revoke"))

    officer_client.post(reverse("calendar-feed-create"))

    assert CalendarFeed.objects.get(user=officer).token != old


@pytest.mark.django_db
def test_another_users_address_is_never_shown(officer_client, officer, manager):
    someone_elses = calendar_feed_issue(user=manager)
    calendar_feed_issue(user=officer)

    page = officer_client.get(SETTINGS_URL).content.decode()

    assert someone_elses.token not in page
    assert CalendarFeed.objects.get(user=officer).token in page


@pytest.mark.django_db
def test_a_viewer_may_have_a_calendar_address(viewer_client, viewer):
    response = viewer_client.post(reverse("calendar-feed-create"))

    assert response.status_code == 302
    assert CalendarFeed.objects.filter(user=viewer).exists()


@pytest.mark.django_db
def test_a_provider_has_no_calendar_address(provider_client, provider):
    assert provider_client.get(SETTINGS_URL).status_code == 403
    assert provider_client.post(reverse("calendar-feed-create")).status_code == 404
    assert provider_client.post(reverse("calendar-feed-revoke")).status_code == 404
    assert not CalendarFeed.objects.filter(user=provider).exists()


@pytest.mark.django_db
def test_creating_an_address_needs_a_post(officer_client, officer):
    assert officer_client.get(reverse("calendar-feed-create")).status_code == 405
    assert not CalendarFeed.objects.filter(user=officer).exists()


@pytest.mark.django_db
def test_a_calendar_address_only_answers_reads(officer):
    feed = calendar_feed_issue(user=officer)

    assert Client().post(feed_url(feed)).status_code == 405
    assert Client().post(reverse("calendar-feed", kwargs={"token": "made-up"})).status_code == 404
