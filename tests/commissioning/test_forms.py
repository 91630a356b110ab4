from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_radio_questions_offer_no_dashes_option(officer_client):
    text = officer_client.get(reverse("organisation-create")).content.decode()

    assert 'class="govuk-radios__input"' in text
    assert "---------" not in text


@pytest.mark.django_db
def test_forms_leave_validation_to_the_server_so_errors_appear_in_govuk_style(officer_client):
    text = officer_client.get(reverse("organisation-create")).content.decode()

    assert "novalidate" in text
    # Every text-like input, URL and email included, is a styled GOV.UK input.
    assert 'type="url" name="website" class="govuk-input' in text
    assert 'type="email" name="email"' in text
