"""Sessions: a new key at sign-in, deleted on the server at sign-out, idle and absolute
time-outs, and deactivating a user ends every session of theirs at once."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from commissioning import sessions
from commissioning.models import Role
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, user):
    response = client.post(reverse("login"), {"username": user.email, "password": DEFAULT_PASSWORD})
    assert response["Location"] == reverse("dashboard")


def session_key(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def client_with_cookie(key: str) -> Client:
    other = Client()
    other.cookies[settings.SESSION_COOKIE_NAME] = key
    return other


def age_session(client, **seconds_ago) -> None:
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def is_signed_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_signing_in_gives_the_session_a_new_key(client, make_user):
    officer = make_user(Role.OFFICER)
    session = client.session
    session["visited"] = True
    session.save()
    before = session_key(client)

    sign_in(client, officer)

    assert session_key(client) != before
    assert not Session.objects.filter(session_key=before).exists()


def test_signing_out_kills_the_old_cookie_on_the_server(client, make_user):
    officer = make_user(Role.OFFICER)
    sign_in(client, officer)
    stolen = session_key(client)
    assert client_with_cookie(stolen).get(reverse("dashboard")).status_code == 200

    client.post(reverse("logout"))

    assert not Session.objects.filter(session_key=stolen).exists()
    assert is_signed_out(client_with_cookie(stolen).get(reverse("dashboard")))


def test_staff_are_signed_out_after_30_minutes_idle(client, make_user):
    sign_in(client, make_user(Role.OFFICER))
    age_session(client, **{sessions.LAST_SEEN_AT_KEY: 31 * 60})

    response = client.get(reverse("dashboard"))

    assert is_signed_out(response)
    page = client.get(response["Location"]).content.decode()
    assert "You were signed out because you had not done anything for a while" in page
    assert is_signed_out(client.get(reverse("dashboard")))


def test_activity_keeps_the_session_alive(client, make_user):
    sign_in(client, make_user(Role.OFFICER))
    age_session(client, **{sessions.LAST_SEEN_AT_KEY: 29 * 60})

    assert client.get(reverse("dashboard")).status_code == 200
    assert time.time() - client.session[sessions.LAST_SEEN_AT_KEY] < 60


def test_idle_timeout_is_a_setting_per_kind_of_user(client, make_user, settings):
    settings.SESSION_IDLE_TIMEOUT_PROVIDER = 60 * 60
    sign_in(client, make_user(Role.PROVIDER))
    age_session(client, **{sessions.LAST_SEEN_AT_KEY: 31 * 60})
    assert client.get(reverse("dashboard")).status_code == 200

    settings.SESSION_IDLE_TIMEOUT_STAFF = 5 * 60
    staff = Client()
    sign_in(staff, make_user(Role.VIEWER))
    age_session(staff, **{sessions.LAST_SEEN_AT_KEY: 6 * 60})
    assert is_signed_out(staff.get(reverse("dashboard")))


def test_sessions_end_12_hours_after_signing_in_however_busy(client, make_user):
    sign_in(client, make_user(Role.OFFICER))
    age_session(
        client,
        **{sessions.SIGNED_IN_AT_KEY: 12 * 60 * 60 + 1, sessions.LAST_SEEN_AT_KEY: 10},
    )

    response = client.get(reverse("dashboard"))

    assert is_signed_out(response)
    assert (
        "because you signed in a long time ago" in client.get(response["Location"]).content.decode()
    )


def test_deactivating_a_user_ends_all_their_sessions_at_once(make_user):
    officer = make_user(Role.OFFICER)
    laptop, phone = Client(), Client()
    sign_in(laptop, officer)
    sign_in(phone, officer)
    someone_else = Client()
    sign_in(someone_else, make_user(Role.OFFICER))

    officer.is_active = False
    officer.save()

    assert not Session.objects.filter(
        session_key__in=[session_key(laptop), session_key(phone)]
    ).exists()
    assert is_signed_out(laptop.get(reverse("dashboard")))
    assert is_signed_out(phone.get(reverse("dashboard")))
    assert someone_else.get(reverse("dashboard")).status_code == 200


def test_deactivated_by_a_bulk_update_the_session_is_deleted_when_next_used(client, make_user):
    officer = make_user(Role.OFFICER)
    sign_in(client, officer)
    key = session_key(client)
    type(officer).objects.filter(pk=officer.pk).update(is_active=False)  # no signals

    assert is_signed_out(client.get(reverse("dashboard")))
    assert not Session.objects.filter(session_key=key).exists()


def test_deactivating_through_the_admin_ends_sessions(admin_client_user, make_user):
    officer = make_user(Role.OFFICER)
    officer_client = Client()
    sign_in(officer_client, officer)
    change_url = reverse("admin:commissioning_user_change", args=[officer.pk])
    form = admin_client_user.get(change_url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("password", "groups", "user_permissions")
    }
    data.update(
        {
            "email": officer.email,
            "full_name": officer.full_name,
            "role": Role.OFFICER,
            "organisation": "",
            "is_active": "",
        }
    )
    data.pop("last_login", None)
    data.pop("date_joined", None)

    response = admin_client_user.post(change_url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert is_signed_out(officer_client.get(reverse("dashboard")))
    assert not Session.objects.filter(session_key=session_key(officer_client)).exists()
