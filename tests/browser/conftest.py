"""Real-browser tests: Playwright drives Debian's Chromium (``/usr/bin/chromium``, never a
browser downloaded by Playwright) against a live server of the portal, and axe-core
checks every page a journey visits against the WCAG 2.0, 2.1 and 2.2 A and AA rules.

Fixtures:

- ``browser``: one headless Chromium for the whole browser suite. Where Chromium is
  missing the tests skip, saying so, except in CI (``CI=true``), where they fail.
- ``page``: a fresh browser context (its own cookies) on the live server, per test;
  ``open_page()`` opens another one, for a second person in the same test.
- ``sign_in(page, user)``: signs in through the real sign-in form.
- ``check_a11y(page)``: runs axe-core on the page as it is now; fails on any serious or
  critical violation (naming the rule, the element and the page) and lists moderate and
  minor ones in the test output.

When a browser test fails, a screenshot and the HTML of each of its pages are saved under
``test-artifacts/browser/<test>/`` and the folder is printed with the failure.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect, sync_playwright

from commissioning.models import Role
from tests.conftest import authenticator_code, require
from tests.factories import DEFAULT_PASSWORD

#: Debian's ``chromium`` package; another build can be named with BROWSER_TESTS_CHROMIUM.
CHROMIUM = os.environ.get("BROWSER_TESTS_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "browser"
#: WCAG 2.0, 2.1 and 2.2, levels A and AA (axe-core's tags).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
#: How long a page may take to reach the state a test waits for (2 cores, PostgreSQL).
TIMEOUT_MS = 15_000

PAGES = pytest.StashKey[list]()
AXE = Axe()

#: Findings that do not fail a test (moderate, minor, accepted) and the folders of saved
#: failures, for the run's summary.
_findings: dict[str, set[str]] = {}
_artifact_folders: list[Path] = []


# --- The browser -----------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser():
    """One headless Chromium for every browser test, closed after the last of them."""
    require(
        os.access(CHROMIUM, os.X_OK),
        f"Chromium not found at {CHROMIUM}: apt-get install chromium",
    )
    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # only this run's failures are left
    # Playwright's synchronous API keeps an asyncio loop running in this thread; the
    # ORM calls the tests make to create their starting data are ordinary synchronous
    # code, so Django's async-safety check is switched off for as long as it runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        expect.set_options(timeout=TIMEOUT_MS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def open_page(request, browser, live_server, django_db_serialized_rollback, settings):
    """Opens a page in a new browser context (its own cookies) on the live server.

    The database is transactional so the live server's thread sees the test's rows; the
    rows the migrations load (reference data) are put back before each test. Because
    its transactions commit, the journeys run with the cached figures and pages on, as
    in production (the live server's thread shares this process's cache).
    """
    settings.FRESH_CACHE = True
    cache.clear()
    contexts = []
    pages = request.node.stash.setdefault(PAGES, [])

    def open_page(*, javascript: bool = True) -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            locale="en-GB",
            timezone_id="Europe/London",
            java_script_enabled=javascript,
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page) -> Page:
    return open_page()


# --- Signing in ------------------------------------------------------------------------


@pytest.fixture
def sign_in(check_a11y):
    """Signs ``user`` in through the sign-in form, checking the sign-in page and the
    page it lands on."""

    def sign_in(page: Page, user, *, password: str = DEFAULT_PASSWORD) -> Page:
        page.goto(reverse("login"))
        expect(page.get_by_role("heading", level=1)).to_contain_text("Sign in")
        check_a11y(page)
        # Managers and administrators sign in with a code from their authenticator app
        # (made, confirmed, before the password step so the code page is asked for).
        code = authenticator_code(user) if user.role in (Role.MANAGER, Role.ADMIN) else None
        page.get_by_label("Email address").fill(user.email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in").click()
        if code is not None:
            expect(page.get_by_label("Code")).to_be_visible()
            check_a11y(page)
            page.get_by_label("Code").fill(code)
            page.get_by_role("button", name="Continue").click()
        expect(page.get_by_text("Signed in as")).to_contain_text(user.full_name)
        check_a11y(page)
        return page

    return sign_in


# --- Accessibility ---------------------------------------------------------------------


def _target(node: dict) -> str:
    # A target is a list of selectors; a nested list reaches into a shadow root/iframe.
    parts = [" >>> ".join(t) if isinstance(t, list) else str(t) for t in node["target"]]
    return ", ".join(parts)


def accepted_reason(violation: dict, node: dict) -> str | None:
    """Why a finding is accepted on purpose, or None. There is one such case.

    GOV.UK Frontend's conditional reveals set ``aria-expanded`` on the radio or checkbox
    that reveals more questions. ARIA does not list that attribute for those roles, so
    axe-core reports it as critical; the GOV.UK Design System keeps it deliberately,
    because screen readers announce the state to their users (their research, and a
    known issue they document: alphagov/govuk-frontend#979). Nothing else of the rule is
    accepted: another attribute, or another element, still fails.
    """
    if violation["id"] != "aria-allowed-attr":
        return None
    if not re.search(r'class="govuk-(radios|checkboxes)__input"', node.get("html", "")):
        return None
    checks = node.get("any", []) + node.get("all", []) + node.get("none", [])
    data = [str(item) for check in checks for item in (check.get("data") or [])]
    if data and all(item.startswith("aria-expanded=") for item in data):
        return "GOV.UK Frontend's conditional reveal (alphagov/govuk-frontend#979)"
    return None


def axe_violations(page: Page) -> list[dict]:
    """axe-core's violations of the WCAG A/AA rules on the page as it is now."""
    page.wait_for_load_state("load")
    results = AXE.run(
        page,
        options={
            "runOnly": {"type": "tag", "values": WCAG_TAGS},
            "resultTypes": ["violations"],
        },
    )
    return results.response["violations"]


@pytest.fixture
def check_a11y(request):
    """``check_a11y(page)``: fails on serious or critical axe-core violations, naming the
    rule, the element and the page; prints (and lists in the run's summary) moderate and
    minor ones."""

    def check(page: Page) -> None:
        violations = axe_violations(page)
        url = page.url
        path = urlsplit(url).path
        blocking, advisory = [], []
        for violation in violations:
            impact = violation.get("impact") or "minor"
            for node in violation["nodes"]:
                accepted = accepted_reason(violation, node)
                note = f", accepted: {accepted}" if accepted else ""
                label = f"{violation['id']} ({impact}{note})"
                line = (
                    f"{label}: {violation['help']}\n"
                    f"    element: {_target(node)}\n"
                    f"    page: {url}\n"
                    f"    html: {node.get('html', '')[:200]}\n"
                    f"    see: {violation.get('helpUrl', '')}"
                )
                if impact in BLOCKING_IMPACTS and not accepted:
                    blocking.append(line)
                else:
                    advisory.append(line)
                    _findings.setdefault(label, set()).add(f"{_target(node)} on {path}")
        for line in advisory:
            print(f"Accessibility finding that does not fail the test: {line}")
        if blocking:
            pytest.fail(
                f"{len(blocking)} serious or critical accessibility violation(s) on {url}:\n"
                + "\n".join(blocking),
                pytrace=False,
            )

    return check


# --- What a failure leaves behind ------------------------------------------------------


def _save_artifacts(item: pytest.Item, pages: list[Page]) -> Path | None:
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid).strip("_")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    saved = False
    for number, page in enumerate(pages, start=1):
        if page.is_closed():
            continue
        try:
            page.screenshot(path=folder / f"page-{number}.png", full_page=True)
            (folder / f"page-{number}.html").write_text(page.content(), encoding="utf-8")
            (folder / f"page-{number}.url").write_text(page.url + "\n", encoding="utf-8")
            saved = True
        except PlaywrightError as error:
            (folder / f"page-{number}.error").write_text(str(error), encoding="utf-8")
    return folder if saved else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and report.when in ("setup", "call"):
        pages = item.stash.get(PAGES, [])
        folder = _save_artifacts(item, pages) if pages else None
        if folder is not None:
            _artifact_folders.append(folder)
            report.sections.append(
                ("browser artifacts", f"Screenshots and page HTML saved in {folder}")
            )
    return report


def pytest_terminal_summary(terminalreporter):
    if _findings:
        terminalreporter.section("accessibility findings that pass: moderate, minor, accepted")
        for label, places in sorted(_findings.items()):
            terminalreporter.write_line(label)
            for place in sorted(places):
                terminalreporter.write_line(f"    {place}")
    if _artifact_folders:
        terminalreporter.section("browser test failures: screenshots and page HTML")
        for folder in _artifact_folders:
            terminalreporter.write_line(str(folder))
