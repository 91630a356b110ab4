"""Optimistic locking on the edit pages of assessments, grants and contracts (returns
have their own, tested in tests/monitoring): a page carries the version it was opened
at; saving it after someone else changed the record is refused with a message, the
user's input is shown back and nothing is overwritten."""

from __future__ import annotations

import datetime
import html
import re
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from commissioning.locking import edit_version
from commissioning.models import Role
from contracts import services as contract_services
from decisions import services as decision_services
from grants import services as grant_services
from tests.factories import (
    ContractFactory,
    DecisionAssessmentFactory,
    GrantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

STALE = "was changed by someone else (or in another tab) after you opened it"


class _Forms(HTMLParser):
    """The POST forms on a page, each as the data a browser would send unchanged."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self._form: dict[str, str] | None = None
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {}
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file"):
                return
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self._form[name] = a.get("value") or "on"
                return
            self._form[name] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self._form[name] = ""
        elif tag == "select" and name:
            self._select = name
            self._form.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self._form[self._select] = a.get("value") or ""

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea:
            value = self._form[self._textarea]
            self._form[self._textarea] = value[1:] if value.startswith("\n") else value
            self._textarea = None
        elif tag == "select":
            self._select = None


def opened_form(client: Client, url: str) -> dict[str, str]:
    """Open the page and return its edit form's fields as they stand (the one that
    carries a version)."""
    response = client.get(url)
    assert response.status_code == 200, url
    parser = _Forms()
    parser.feed(response.content.decode())
    forms = [form for form in parser.forms if "version" in form]
    assert len(forms) == 1, f"{url} has no form carrying its version"
    return forms[0]


def page_text(response) -> str:
    body = html.unescape(response.content.decode())
    return re.sub(r"\s+", " ", body)


def error_summary(response) -> str:
    match = re.search(r'class="govuk-error-summary".*?</ul>', page_text(response), re.S)
    assert match, "no error summary on the page"
    return re.sub(r"<[^>]+>", " ", match.group(0))


def signed_in(role=Role.OFFICER, **kwargs):
    user = UserFactory(role=role, **kwargs)
    client = Client()
    client.force_login(user)
    return user, client


# --- Decision assessments ---------------------------------------------------------------


@pytest.fixture
def assessment():
    made = DecisionAssessmentFactory()
    return decision_services.assessment_update(
        assessment=made, by=made.author, summary="Original summary"
    )


def test_assessment_edit_page_carries_the_version_it_was_opened_at(assessment):
    _, client = signed_in()
    form = opened_form(client, reverse("assessment-edit", args=[assessment.pk]))
    assert form["version"] == str(edit_version(assessment))


def test_stale_assessment_save_is_refused_and_shows_the_users_input(assessment):
    _, client = signed_in()
    url = reverse("assessment-edit", args=[assessment.pk])
    form = opened_form(client, url)
    colleague = UserFactory(role=Role.OFFICER)
    decision_services.assessment_update(
        assessment=assessment, by=colleague, summary="Colleague's summary"
    )

    response = client.post(url, {**form, "summary": "My summary", "action": "draft"})

    assert response.status_code == 200
    assert f"This assessment {STALE}" in error_summary(response)
    assert "My summary</textarea>" in page_text(response)
    assessment.refresh_from_db()
    assert assessment.summary == "Colleague's summary"


def test_assessment_saved_from_an_up_to_date_page(assessment):
    _, client = signed_in()
    url = reverse("assessment-edit", args=[assessment.pk])
    form = opened_form(client, url)

    response = client.post(url, {**form, "summary": "My summary", "action": "draft"})

    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.summary == "My summary"
    # The second save from the same (now old) page is refused: the first moved it on.
    again = client.post(url, {**form, "summary": "Second go", "action": "draft"})
    assert again.status_code == 200
    assessment.refresh_from_db()
    assert assessment.summary == "My summary"


def test_a_mangled_version_says_the_page_is_out_of_date(assessment):
    _, client = signed_in()
    url = reverse("assessment-edit", args=[assessment.pk])
    form = opened_form(client, url)

    response = client.post(url, {**form, "version": "yesterday", "summary": "X"})

    assert response.status_code == 200
    assert "This page is out of date" in error_summary(response)
    assessment.refresh_from_db()
    assert assessment.summary == "Original summary"


def test_assessment_service_refuses_an_old_version(assessment):
    old = edit_version(assessment)
    decision_services.assessment_update(assessment=assessment, by=assessment.author, summary="A")
    with pytest.raises(ValidationError) as refused:
        decision_services.assessment_update(
            assessment=assessment, by=assessment.author, version=old, summary="B"
        )
    assert refused.value.code == "stale"


# --- Grants -----------------------------------------------------------------------------


def test_stale_grant_save_is_refused_and_shows_the_users_input():
    grant = GrantFactory(title="Original title")
    _, client = signed_in()
    url = reverse("grant-edit", args=[grant.pk])
    form = opened_form(client, url)
    assert form["version"] == str(edit_version(grant))
    grant_services.grant_update(
        grant=grant, by=UserFactory(role=Role.MANAGER), title="Colleague's title"
    )

    response = client.post(url, {**form, "title": "My title"})

    assert response.status_code == 200
    assert f"This grant {STALE}" in error_summary(response)
    assert 'value="My title"' in page_text(response)
    grant.refresh_from_db()
    assert grant.title == "Colleague's title"


def test_grant_saved_from_an_up_to_date_page():
    grant = GrantFactory(title="Original title")
    _, client = signed_in()
    url = reverse("grant-edit", args=[grant.pk])
    form = opened_form(client, url)

    response = client.post(url, {**form, "title": "My title"})

    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.title == "My title"


# --- Contracts --------------------------------------------------------------------------


def test_stale_contract_risk_save_is_refused_and_shows_the_users_input():
    contract = ContractFactory()
    _, client = signed_in()
    url = reverse("contract-risk", args=[contract.pk])
    form = opened_form(client, url)
    contract_services.contract_set_risk(
        contract=contract, by=UserFactory(role=Role.MANAGER), flagged=True, note="Staff left"
    )

    response = client.post(url, {**form, "flagged": "no", "risk_note": "All fine now"})

    assert response.status_code == 200
    assert f"This contract {STALE}" in error_summary(response)
    assert "All fine now</textarea>" in page_text(response)
    contract.refresh_from_db()
    assert contract.risk_flagged is True
    assert contract.risk_note == "Staff left"


def test_stale_contract_variation_is_refused_and_nothing_is_recorded():
    contract = ContractFactory()
    _, client = signed_in()
    url = reverse("contract-variation", args=[contract.pk])
    form = opened_form(client, url)
    contract_services.contract_set_risk(
        contract=contract, by=UserFactory(role=Role.MANAGER), flagged=True, note="Staff left"
    )
    effective = datetime.date(2026, 1, 5)

    response = client.post(
        url,
        {
            **form,
            "description": "Add an evening service",
            "value_effect": "1000",
            "effective_on_0": effective.day,
            "effective_on_1": effective.month,
            "effective_on_2": effective.year,
        },
    )

    assert response.status_code == 200
    assert f"This contract {STALE}" in error_summary(response)
    assert "Add an evening service</textarea>" in page_text(response)
    assert contract.variations.count() == 0


def test_contract_terminated_from_an_up_to_date_page():
    contract = ContractFactory()
    _, client = signed_in()
    url = reverse("contract-terminate", args=[contract.pk])
    form = opened_form(client, url)
    day = datetime.date(2026, 6, 30)

    response = client.post(
        url,
        {
            **form,
            "terminated_on_0": day.day,
            "terminated_on_1": day.month,
            "terminated_on_2": day.year,
            "termination_reason": "The provider closed.",
        },
    )

    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.terminated_on == day


@pytest.mark.parametrize("name", ["contract-go-live", "contract-terminate", "contract-extension"])
def test_every_contract_form_that_changes_the_contract_carries_its_version(name):
    contract = ContractFactory()
    _, client = signed_in()
    form = opened_form(client, reverse(name, args=[contract.pk]))
    assert form["version"] == str(edit_version(contract))
