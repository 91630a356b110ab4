"""Issue 10 point 7: the Content Security Policy allows no inline script or style, so no
page may contain any: no <script> without src, no <style> element, no style="" attribute
and no on…="" event handler. Checked on rendered pages of each kind and, more widely,
on every template the portal serves (templates/reports/pdf/ are rendered by WeasyPrint
into PDFs, never served as pages, and are left out)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.monitoring.factories import active_grant

TEMPLATES = Path(settings.BASE_DIR) / "templates"
NOT_SERVED = TEMPLATES / "reports" / "pdf"


class InlineCodeFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self.script_srcs: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script":
            if not names.get("src"):
                self.problems.append("<script> without src")
            else:
                self.script_srcs.append(names["src"])
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f'style="" on <{tag}>')
            if name.startswith("on"):
                self.problems.append(f'{name}="" on <{tag}>')
            url = (value or "").strip().lower()
            if name in ("href", "action", "formaction") and url.startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")


def inline_code(content: str) -> InlineCodeFinder:
    finder = InlineCodeFinder()
    finder.feed(content)
    finder.close()
    return finder


def assert_no_inline_code(response) -> None:
    assert response.status_code == 200
    finder = inline_code(response.content.decode())
    assert finder.problems == []
    assert finder.script_srcs, "the page loads portal.js"


def test_the_checker_finds_inline_code():
    finder = inline_code(
        '<p style="color:red" onclick="x()">Hi</p><script>alert(1)</script>'
        '<a href="javascript:void(0)">x</a><style>p{}</style>'
    )
    assert len(finder.problems) == 5


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["login", "funding-awarded", "opportunity-list", "open-data"])
def test_public_pages_have_no_inline_code(client, name):
    assert_no_inline_code(client.get(reverse(name)))


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["dashboard", "organisation-create", "grant-create"])
def test_office_pages_and_forms_have_no_inline_code(officer_client, name):
    assert_no_inline_code(officer_client.get(reverse(name)))


@pytest.mark.django_db
def test_a_form_page_showing_errors_has_no_inline_code(officer_client):
    response = officer_client.post(reverse("organisation-create"), {})
    assert_no_inline_code(response)
    assert "There is a problem" in response.content.decode()


@pytest.mark.django_db
def test_a_providers_return_task_list_and_section_have_no_inline_code(provider, officer):
    grant = active_grant(recipient=provider.organisation, responsible_officer=officer)
    monitoring_return = grant.return_schedule.returns.order_by("due_date").first()
    client = Client()
    client.force_login(provider)
    assert_no_inline_code(client.get(monitoring_return.get_absolute_url()))
    assert_no_inline_code(client.get(reverse("return-finance", args=[monitoring_return.pk])))


INLINE_IN_TEMPLATE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style[\s>]|\sstyle=|\son[a-z]+=|javascript:", re.I
)


def test_no_served_template_contains_inline_script_or_style():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if NOT_SERVED in path.parents:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if INLINE_IN_TEMPLATE.search(line):
                found.append(f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}")
    assert found == []
