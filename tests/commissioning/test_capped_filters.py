"""A list filter's select of records lists at most a cap of them (issue 11: thousands of
options made a list page slow), yet a record chosen by a link still shows and filters."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

import commissioning.filters
from tests.factories import GrantFactory

pytestmark = pytest.mark.django_db


def _recipient_options(html: str) -> list[str]:
    select = re.search(r'<select[^>]*name="recipient".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="(\d*)"( selected)?', select)


def test_the_recipient_select_is_capped_but_a_chosen_recipient_still_shows(
    officer_client, monkeypatch
):
    monkeypatch.setattr(commissioning.filters, "SELECT_CHOICES_CAP", 2)
    grants = sorted(
        (GrantFactory(recipient__name=f"Recipient {n}") for n in "ABC"),
        key=lambda grant: grant.recipient.name,
    )

    options = _recipient_options(officer_client.get(reverse("grant-list")).content.decode())
    assert [value for value, _ in options] == [
        "",
        str(grants[0].recipient_id),
        str(grants[1].recipient_id),
    ]

    last = grants[2]
    response = officer_client.get(reverse("grant-list"), {"recipient": last.recipient_id})
    options = _recipient_options(response.content.decode())
    assert (str(last.recipient_id), " selected") in options
    assert [grant.pk for grant in response.context["object_list"]] == [last.pk]
