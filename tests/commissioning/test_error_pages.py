"""Refusals and failures are shown as styled pages, not Django's bare defaults."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import path, reverse

from commissioning.models import Role


def _boom(request):
    raise RuntimeError("deliberate failure for the test")


urlpatterns = [path("boom/", _boom)]


@pytest.mark.django_db
def test_refusal_is_a_styled_403_page(client, make_user, settings):
    client.force_login(make_user(Role.VIEWER))

    response = client.get(reverse("organisation-create"))

    assert response.status_code == 403
    text = response.content.decode()
    assert "You do not have permission to do this" in text
    assert settings.SERVICE_NAME in text
    assert 'class="govuk-header"' in text


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_crash_is_a_styled_500_page_that_reassures_about_saved_work():
    client = Client(raise_request_exception=False)

    response = client.get("/boom/")

    assert response.status_code == 500
    text = response.content.decode()
    assert "Sorry, there is a problem with the service" in text
    assert "Anything you had already saved has been kept" in text
    assert "deliberate failure" not in text
