"""Password rules (ASVS 6.2): at least 12 characters, no composition rules, and common
or breached-looking passwords refused from lists bundled in the repository."""

from __future__ import annotations

import gzip
import socket

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import get_default_password_validators
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def change_password(client, new_password):
    return client.post(
        reverse("password_change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )


def test_short_password_is_refused(officer_client):
    response = change_password(officer_client, "elevenchars")
    assert "at least 12 characters" in response.content.decode()


@pytest.mark.parametrize("password", ["1234qwerasdfzxcv", "1234567890qwerty"])
def test_password_only_on_the_bundled_list_is_refused(officer_client, password):
    response = change_password(officer_client, password)
    assert response.status_code == 200
    assert "This password is too common" in response.content.decode()


def test_password_on_djangos_list_is_refused(officer_client):
    response = change_password(officer_client, "0r968ji9ufj6")
    assert "This password is too common" in response.content.decode()


@pytest.mark.parametrize(
    "password",
    [
        "plain lowercase words only",  # no digits, capitals or symbols needed
        "rhubarbcustardtrifle",
    ],
)
def test_long_uncommon_password_needs_no_symbols_digits_or_capitals(officer_client, password):
    response = change_password(officer_client, password)
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")


def test_bundled_list_is_larger_than_djangos_and_read_from_the_repository():
    bundled = settings.BASE_DIR / "commissioning" / "data" / "common-passwords.txt.gz"
    with gzip.open(bundled, "rt", encoding="utf-8") as handle:
        entries = {line.strip() for line in handle if line.strip()}
    assert len(entries) > 40_000
    assert "1234qwerasdfzxcv" in entries
    loaded = [
        v.passwords
        for v in get_default_password_validators()
        if type(v).__name__ == "CommonPasswordValidator"
    ]
    assert entries in loaded  # the bundled list is the one the validator checks


def test_checking_a_password_makes_no_network_call(officer_client, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("a password check tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    response = change_password(officer_client, "1234qwerasdfzxcv")
    assert "This password is too common" in response.content.decode()
