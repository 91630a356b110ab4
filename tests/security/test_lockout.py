"""Brute force: django-axes locks an email address at one IP address after
AXES_FAILURE_LIMIT wrong passwords, an IP address after SIGN_IN_IP_FAILURE_LIMIT wrong
passwords across addresses, and nobody can tell from the answers whether an address
belongs to an account."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from commissioning.models import Role
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

WRONG_DETAILS = "Enter a correct email address and password"
LOCKED = "Too many attempts to sign in"


def sign_in(client, email, password):
    return client.post(reverse("login"), {"username": email, "password": password})


def comparable(response) -> tuple[int, str]:
    """Status and page, less what differs on every page anyway (the CSRF token) and the
    email address typed in (echoed back into the form)."""
    page = response.content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    page = re.sub(r'value="[^"]*@example\.org"', "", page)
    return response.status_code, page


def test_five_wrong_passwords_lock_the_account_at_that_address(client, make_user, caplog):
    officer = make_user(Role.OFFICER)
    for _ in range(4):
        assert WRONG_DETAILS in sign_in(client, officer.email, "wrong password").content.decode()

    with caplog.at_level(logging.WARNING):
        fifth = sign_in(client, officer.email, "wrong password")
    assert fifth.status_code == 429
    assert LOCKED in fifth.content.decode()
    assert any("locking out" in record.getMessage().lower() for record in caplog.records)

    # Even the right password is refused while locked.
    right = sign_in(client, officer.email, DEFAULT_PASSWORD)
    assert right.status_code == 429
    assert client.get(reverse("dashboard")).status_code == 302

    # Another address from the same IP address is not locked by one account's failures.
    other = make_user(Role.OFFICER)
    assert sign_in(client, other.email, DEFAULT_PASSWORD)["Location"] == reverse("dashboard")


def test_lock_out_ends_after_the_cool_off(client, make_user, settings):
    officer = make_user(Role.OFFICER)
    for _ in range(5):
        sign_in(client, officer.email, "wrong password")
    assert sign_in(client, officer.email, DEFAULT_PASSWORD).status_code == 429

    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )

    assert sign_in(client, officer.email, DEFAULT_PASSWORD)["Location"] == reverse("dashboard")


def test_unknown_email_gets_exactly_the_same_answers(client, make_user):
    officer = make_user(Role.OFFICER, email="real.person@example.org")
    real = [comparable(sign_in(client, officer.email, "wrong password")) for _ in range(6)]
    unknown = [
        comparable(sign_in(client, "nobody.here@example.org", "wrong password")) for _ in range(6)
    ]

    assert real == unknown
    assert [status for status, _ in real] == [200, 200, 200, 200, 429, 429]


def test_an_ip_address_failing_across_many_emails_is_locked(client, make_user, settings):
    settings.SIGN_IN_IP_FAILURE_LIMIT = 6
    officer = make_user(Role.OFFICER)
    for n in range(6):
        sign_in(client, f"guess{n}@example.org", "wrong password")

    response = sign_in(client, officer.email, DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert client.get(reverse("dashboard")).status_code == 302
    # Another IP address is not affected.
    elsewhere = client.post(
        reverse("login"),
        {"username": officer.email, "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="192.0.2.10",
    )
    assert elsewhere["Location"] == reverse("dashboard")


def test_wrong_passwords_when_confirming_count_towards_lock_out(officer_client, officer):
    for _ in range(5):
        officer_client.post(reverse("reauthenticate"), {"password": "wrong password"})
    assert AccessAttempt.objects.get(username=officer.email).failures_since_start == 5
