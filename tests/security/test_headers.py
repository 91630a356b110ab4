"""Issue 10 point 7: every page carries the security headers; pages seen by a signed-in
user are never cached; public pages and static files keep their normal caching."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.monitoring.factories import active_grant

pytestmark = pytest.mark.django_db

REQUIRED_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "img-src": "'self' data:",
}


def _directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value.strip()
    return directives


def assert_security_headers(response) -> None:
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    directives = _directives(response)
    for name, value in REQUIRED_DIRECTIVES.items():
        assert directives.get(name) == value, (name, policy)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_the_sign_in_page_has_the_headers(client):
    response = client.get(reverse("login"))
    assert_security_headers(response)


def test_a_public_page_seen_by_someone_not_signed_in_is_not_marked_no_store(client):
    response = client.get(reverse("funding-awarded"))
    assert_security_headers(response)
    assert not no_store(response)


def test_the_dashboard_has_the_headers_and_is_never_stored(officer_client):
    response = officer_client.get(reverse("dashboard"))
    assert_security_headers(response)
    assert no_store(response)
    assert "private" in response["Cache-Control"]


def test_a_providers_return_task_list_is_never_stored(provider, officer):
    grant = active_grant(recipient=provider.organisation, responsible_officer=officer)
    monitoring_return = grant.return_schedule.returns.order_by("due_date").first()
    client = Client()
    client.force_login(provider)
    response = client.get(monitoring_return.get_absolute_url())
    assert_security_headers(response)
    assert no_store(response)


def test_a_public_page_seen_by_a_signed_in_user_is_not_stored_either(officer_client):
    response = officer_client.get(reverse("funding-awarded"))
    assert_security_headers(response)
    assert no_store(response)


def test_an_export_for_a_signed_in_user_is_not_stored(officer_client):
    response = officer_client.get(reverse("organisation-export") + "?format=csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert no_store(response)


def test_static_files_keep_their_caching_for_a_signed_in_user(officer_client):
    response = officer_client.get("/static/js/portal.js")
    assert response.status_code == 200
    assert not no_store(response)
    assert "Permissions-Policy" not in response  # answered by WhiteNoise, before the portal
