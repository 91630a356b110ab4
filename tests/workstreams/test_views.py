"""The workstream pages, through the test client, as the role that uses each one.

Who may open which URL in general is covered by tests/security/test_access_matrix.py;
these tests check what each page does and shows.
"""

from __future__ import annotations

import csv
import datetime
import html
import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commissioning.models import Role
from tests.factories import (
    MilestoneFactory,
    OrganisationFactory,
    PortfolioFactory,
    ServiceUserVoiceFactory,
    WorkstreamFactory,
    WorkstreamPartnerFactory,
)
from workstreams import services
from workstreams.models import (
    ChecklistItem,
    ChecklistStatus,
    CommissioningRole,
    Milestone,
    PartnerPart,
    Portfolio,
    ServiceUserVoice,
    Stage,
    StageChange,
    Workstream,
    WorkstreamPartner,
    WorkstreamStatus,
)
from workstreams.sections import register_workstream_section, unregister_workstream_section

pytestmark = pytest.mark.django_db

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)  # the smallest real PDF: one blank A4 page with a correct cross-reference table


# --- Helpers ----------------------------------------------------------------------------


def page(response) -> str:
    """The response body as a reader sees it (entities such as &#x27; unescaped)."""
    return html.unescape(response.content.decode())


def main(response) -> str:
    match = re.search(r"<main.*</main>", page(response), re.DOTALL)
    return match.group(0) if match else ""


def field_errors(response, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


def shown_at_field(response, field: str, message: str) -> bool:
    """Whether ``message`` is shown as an error inside the field's form group."""
    text = page(response)
    start = text.find(f'id="div_id_{field}"')
    end = text.find('id="div_id_', start + 1)
    group = text[start : end if end != -1 else None]
    errors = re.findall(
        r'class="govuk-error-message">\s*<span class="govuk-visually-hidden">Error:</span>(.*?)'
        r"</span>",
        group,
        re.DOTALL,
    )
    return start != -1 and any(message in error for error in errors)


def url(name: str, workstream, **kwargs) -> str:
    return reverse(name, kwargs={"pk": workstream.pk, **kwargs})


def titles(response) -> list[str]:
    return [workstream.title for workstream in response.context["object_list"]]


def _workstream_form_data(**overrides) -> dict:
    data = {
        "title": "Sexual Assault Referral Centre",
        "description": "Joint commissioning of the SARC with NHS England.",
        "portfolio": Portfolio.objects.get(name="Victim services").pk,
        "lead_officer": "",
        "role": CommissioningRole.LEAD,
        "lead_commissioner": "",
        "predecessor": "",
        "status": WorkstreamStatus.PROPOSED,
        "stage": Stage.UNDERSTAND,
    }
    data.update(overrides)
    return data


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def workstream(officer):
    return WorkstreamFactory(
        title="Victim services: enhanced adults",
        role=CommissioningRole.LEAD,
        lead_officer=officer,
    )


# --- The list ---------------------------------------------------------------------------


@pytest.fixture
def two_workstreams(make_user):
    alex = make_user(Role.OFFICER, full_name="Alex Ames")
    bea = make_user(Role.MANAGER, full_name="Bea Brown")
    charity = OrganisationFactory(name="Safe Steps Charity")
    council = OrganisationFactory(name="Bristol City Council")
    victims = WorkstreamFactory(
        title="Victim services",
        description="Adults and young people affected by crime.",
        role=CommissioningRole.LEAD,
        stage=Stage.UNDERSTAND,
        status=WorkstreamStatus.ACTIVE,
        portfolio=PortfolioFactory(name="Victim services"),
        lead_officer=alex,
    )
    grants = WorkstreamFactory(
        title="Small grants fund",
        description="Community safety grants for grassroots groups.",
        role=CommissioningRole.FACILITATING,
        stage=Stage.PLAN,
        status=WorkstreamStatus.PROPOSED,
        portfolio=PortfolioFactory(name="Prevention"),
        lead_officer=bea,
    )
    WorkstreamPartnerFactory(workstream=victims, organisation=charity)
    WorkstreamPartnerFactory(workstream=grants, organisation=council, part="funder")
    return {
        "victims": victims,
        "grants": grants,
        "alex": alex,
        "bea": bea,
        "charity": charity,
        "council": council,
    }


def test_list_shows_each_workstream_with_its_stage_progress_and_next_milestone(
    viewer_client, workstream, officer
):
    item = workstream.checklist_items.get(title="Publish a needs assessment")
    services.checklist_item_update(item=item, by=officer, status="done")
    MilestoneFactory(workstream=workstream, date=datetime.date(2031, 3, 31))

    response = viewer_client.get(reverse("workstream-list"))

    assert response.status_code == 200
    text = main(response)
    assert "Victim services: enhanced adults" in text
    assert "Lead commissioner" in text
    assert "Understand" in text and "1 of 2 done" in text
    assert "Active" in text
    assert "31 March 2031" in text
    assert "Olive Officer" in text


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Small grants fund", "Victim services"]),
        ({"role": "lead"}, ["Victim services"]),
        ({"role": "facilitating"}, ["Small grants fund"]),
        ({"stage": "plan"}, ["Small grants fund"]),
        ({"status": "active"}, ["Victim services"]),
        ({"portfolio": "Prevention"}, ["Small grants fund"]),
        ({"lead_officer": "alex"}, ["Victim services"]),
        ({"partner": "council"}, ["Small grants fund"]),
        ({"partner": "charity"}, ["Victim services"]),
        ({"q": "GRASSROOTS"}, ["Small grants fund"]),
        ({"q": "victim"}, ["Victim services"]),
        ({"role": "lead", "stage": "plan"}, []),
    ],
)
def test_each_list_filter_narrows_the_list(viewer_client, two_workstreams, params, expected):
    query = {}
    for key, value in params.items():
        if key == "portfolio":
            value = Portfolio.objects.get(name=value).pk
        elif key in ("lead_officer", "partner"):
            value = two_workstreams[value].pk
        query[key] = value

    response = viewer_client.get(reverse("workstream-list"), query)

    assert response.status_code == 200
    assert titles(response) == expected
    if not expected:
        assert "No workstreams match these filters." in page(response)


def test_list_pages_through_many_workstreams(viewer_client):
    portfolio = PortfolioFactory()
    for number in range(30):
        WorkstreamFactory(title=f"Workstream {number:02}", portfolio=portfolio)
    first = viewer_client.get(reverse("workstream-list"))
    second = viewer_client.get(reverse("workstream-list"), {"page": 2})
    assert len(titles(first)) == 25
    assert titles(second) == [f"Workstream {n}" for n in range(25, 30)]
    assert "30 workstreams" in page(first)


def test_list_query_count_is_the_same_for_5_and_50_workstreams(viewer_client, make_user):
    portfolio = PortfolioFactory()

    def add(count):
        for _ in range(count):
            workstream = WorkstreamFactory(portfolio=portfolio, lead_officer=make_user())
            WorkstreamPartnerFactory(workstream=workstream)
            MilestoneFactory(workstream=workstream)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert viewer_client.get(reverse("workstream-list")).status_code == 200
        return len(captured)

    add(5)
    viewer_client.get(reverse("workstream-list"))  # warm up sessions and caches
    with_5 = queries()
    add(45)
    with_50 = queries()

    assert with_5 == with_50


def test_editors_see_the_add_button_and_viewers_do_not(officer_client, viewer_client):
    assert "Add a workstream" in page(officer_client.get(reverse("workstream-list")))
    assert "Add a workstream" not in page(viewer_client.get(reverse("workstream-list")))


def test_list_links_to_exports_of_the_filtered_list(viewer_client, workstream):
    response = viewer_client.get(reverse("workstream-list"), {"role": "lead"})
    text = page(response)
    export = reverse("workstream-export")
    assert f"{export}?role=lead&format=csv" in text
    assert f"{export}?role=lead&format=xlsx" in text


# --- Export -----------------------------------------------------------------------------


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_csv_export_has_the_filtered_rows_with_formulas_neutralised(viewer_client, two_workstreams):
    WorkstreamFactory(title='=HYPERLINK("http://evil.example")', role="influencing")

    response = viewer_client.get(
        reverse("workstream-export"), {"format": "csv", "role": "influencing"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows[0][:5] == [
        "Title",
        "Commissioning role",
        "Cycle stage",
        "Stage checklist",
        "Status",
    ]
    assert len(rows) == 2
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example")'
    assert rows[1][1] == "Influencing commissioner"


def test_csv_export_lists_every_workstream_without_filters(viewer_client, two_workstreams):
    rows = _csv_rows(viewer_client.get(reverse("workstream-export")))
    assert [row[0] for row in rows[1:]] == ["Small grants fund", "Victim services"]
    victims = rows[2]
    assert victims[3] == "0 of 2 done"
    assert victims[5] == "Victim services"
    assert victims[6] == "Alex Ames"


def test_xlsx_export_opens_in_openpyxl_with_the_filtered_rows(viewer_client, two_workstreams):
    from openpyxl import load_workbook

    WorkstreamFactory(title="=1+1", role=CommissioningRole.FACILITATING)
    MilestoneFactory(workstream=two_workstreams["grants"], date=datetime.date(2030, 3, 31))

    response = viewer_client.get(
        reverse("workstream-export"), {"format": "xlsx", "role": "facilitating"}
    )

    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Title"
    assert [row[0] for row in rows[1:]] == ["'=1+1", "Small grants fund"]
    grants = rows[2]
    assert grants[1] == "Facilitating commissioner"
    assert grants[8].date() == datetime.date(2030, 3, 31)


# --- Adding and editing -----------------------------------------------------------------


def test_officer_adds_a_workstream_with_its_roles_checklist(officer_client, officer):
    response = officer_client.post(
        reverse("workstream-create"), _workstream_form_data(lead_officer=officer.pk)
    )

    workstream = Workstream.objects.get(title="Sexual Assault Referral Centre")
    assert response.status_code == 302
    assert response["Location"] == workstream.get_absolute_url()
    assert workstream.lead_officer == officer
    assert workstream.checklist_items.filter(role="lead").count() > 0
    assert workstream.history.get().history_user == officer
    follow = officer_client.get(response["Location"])
    assert "Sexual Assault Referral Centre has been added" in page(follow)


def test_create_form_explains_each_role_and_offers_only_active_officers(officer_client, make_user):
    make_user(Role.VIEWER, full_name="Vera Viewer")
    make_user(Role.OFFICER, full_name="Gone Officer", is_active=False)
    make_user(Role.MANAGER, full_name="Mo Manager")
    response = officer_client.get(reverse("workstream-create"))
    text = page(response)
    assert "clear mandate to lead the whole commissioning process" in text
    assert "does not necessarily contribute money" in text
    lead_officers = [str(user) for user in response.context["form"].fields["lead_officer"].queryset]
    assert "Mo Manager" in lead_officers
    assert "Vera Viewer" not in lead_officers
    assert "Gone Officer" not in lead_officers
    statuses = [value for value, _ in response.context["form"].fields["status"].choices]
    assert statuses == ["proposed", "active"]


def test_co_commissioner_without_lead_commissioner_is_refused_at_the_field(officer_client, officer):
    data = _workstream_form_data(
        lead_officer=officer.pk, role=CommissioningRole.CO_COMMISSIONER, status="active"
    )

    response = officer_client.post(reverse("workstream-create"), data)

    assert response.status_code == 200
    message = "Select the lead commissioner: a co-commissioned workstream is led by another body"
    assert field_errors(response, "lead_commissioner") == [message]
    assert shown_at_field(response, "lead_commissioner", message)
    assert not shown_at_field(response, "title", message)
    assert not Workstream.objects.exists()
    text = page(response)
    assert "There is a problem" in text
    # Everything else typed is kept.
    assert 'value="Sexual Assault Referral Centre"' in text
    assert "Joint commissioning of the SARC with NHS England." in text
    assert re.search(r'value="co_commissioner"\s+checked', text)
    assert re.search(r'value="active"\s+checked', text)


def test_co_commissioner_with_lead_commissioner_is_added(officer_client, officer):
    nhs = OrganisationFactory(name="NHS England South West")
    data = _workstream_form_data(
        lead_officer=officer.pk, role=CommissioningRole.CO_COMMISSIONER, lead_commissioner=nhs.pk
    )
    response = officer_client.post(reverse("workstream-create"), data)
    assert response.status_code == 302
    workstream = Workstream.objects.get()
    assert workstream.lead_commissioner == nhs
    assert workstream.partners.filter(organisation=nhs, part="lead_commissioner").exists()


def test_add_form_requires_title_portfolio_officer_and_role(officer_client):
    response = officer_client.post(
        reverse("workstream-create"), {"status": "proposed", "stage": "understand"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["title"] == ["Enter the workstream's title"]
    assert errors["portfolio"] == ["Select the portfolio"]
    assert errors["lead_officer"] == ["Select the lead officer"]
    assert errors["role"] == ["Select the office's commissioning role"]


def _edit_data(workstream, **overrides) -> dict:
    data = {
        "title": workstream.title,
        "description": workstream.description,
        "portfolio": workstream.portfolio_id,
        "lead_officer": workstream.lead_officer_id,
        "role": workstream.role,
        "lead_commissioner": workstream.lead_commissioner_id or "",
        "predecessor": workstream.predecessor_id or "",
        "status": workstream.status,
        "closed_reason": workstream.closed_reason,
    }
    data.update(overrides)
    return data


def test_edit_offers_only_the_status_changes_allowed(officer_client, workstream):
    response = officer_client.get(url("workstream-edit", workstream))
    form = response.context["form"]
    assert [value for value, _ in form.fields["status"].choices] == ["active", "closed"]
    assert "stage" not in form.fields


def test_closing_without_a_reason_is_refused_at_the_reason_field(officer_client, workstream):
    response = officer_client.post(
        url("workstream-edit", workstream), _edit_data(workstream, status="closed")
    )
    assert response.status_code == 200
    assert field_errors(response, "closed_reason") == ["Enter why the workstream is closing"]
    workstream.refresh_from_db()
    assert workstream.status == WorkstreamStatus.ACTIVE


def test_closing_with_a_reason_closes_the_workstream(officer_client, workstream):
    response = officer_client.post(
        url("workstream-edit", workstream),
        _edit_data(workstream, status="closed", closed_reason="The service was decommissioned"),
    )
    assert response.status_code == 302
    workstream.refresh_from_db()
    assert workstream.status == WorkstreamStatus.CLOSED
    assert workstream.closed_reason == "The service was decommissioned"


def test_a_status_change_not_offered_is_refused(officer_client, workstream):
    response = officer_client.post(
        url("workstream-edit", workstream), _edit_data(workstream, status="proposed")
    )
    assert response.status_code == 200
    assert field_errors(response, "status")
    workstream.refresh_from_db()
    assert workstream.status == WorkstreamStatus.ACTIVE


def test_changing_role_on_the_edit_page_keeps_done_items(officer_client, officer, workstream):
    done = workstream.checklist_items.get(title="Publish a needs assessment")
    services.checklist_item_update(item=done, by=officer, status="done")

    response = officer_client.post(
        url("workstream-edit", workstream), _edit_data(workstream, role="influencing")
    )

    assert response.status_code == 302
    assert ChecklistItem.objects.filter(pk=done.pk, status="done").exists()
    roles = set(workstream.checklist_items.values_list("role", flat=True))
    assert roles == {"lead", "influencing"}


# --- The detail page and its tabs -------------------------------------------------------

TAB_URL_NAMES = [
    "workstream-detail",
    "workstream-checklist",
    "workstream-partners",
    "workstream-milestones",
    "workstream-decisions",
    "workstream-money",
    "workstream-documents",
    "workstream-voice",
    "workstream-history",
]


@pytest.mark.parametrize("name", TAB_URL_NAMES)
def test_every_tab_has_breadcrumbs_caption_and_marks_itself_current(
    viewer_client, workstream, name
):
    response = viewer_client.get(url(name, workstream))
    assert response.status_code == 200
    text = page(response)
    breadcrumbs = re.search(r'<nav class="govuk-breadcrumbs.*?</nav>', text, re.DOTALL).group(0)
    assert "Dashboard" in breadcrumbs and "Workstreams" in breadcrumbs
    assert workstream.title in breadcrumbs
    assert "Lead commissioner · Active" in text
    current = re.findall(r'<a class="govuk-tabs__tab" href="([^"]+)" aria-current="page"', text)
    assert current == [url(name, workstream)]


@pytest.mark.parametrize(
    "name",
    [
        *TAB_URL_NAMES,
        "workstream-edit",
        "workstream-advance",
        "workstream-partner-add",
        "workstream-milestone-create",
        "workstream-voice-create",
    ],
)
def test_provider_gets_404_on_every_workstream_page(provider_client, workstream, name):
    assert provider_client.get(url(name, workstream)).status_code == 404


def test_provider_gets_404_on_checklist_item_and_milestone_pages(provider_client, workstream):
    item = workstream.checklist_items.first()
    milestone = MilestoneFactory(workstream=workstream)
    for address in (
        url("workstream-checklist-item", workstream, item_pk=item.pk),
        url("workstream-checklist-evidence", workstream, item_pk=item.pk),
        url("workstream-milestone-edit", workstream, milestone_pk=milestone.pk),
        url("workstream-milestone-delete", workstream, milestone_pk=milestone.pk),
    ):
        assert provider_client.get(address).status_code == 404, address


def test_an_item_of_another_workstream_answers_404(officer_client, workstream):
    other_item = WorkstreamFactory().checklist_items.first()
    response = officer_client.get(
        url("workstream-checklist-item", workstream, item_pk=other_item.pk)
    )
    assert response.status_code == 404


EDIT_CONTROLS = [
    "Edit workstream",
    "Move to Plan",
    "Update<span",
    "Add a partner",
    "Add a milestone",
    "Add to the log",
    ">Remove<",
    ">Edit<",
]


def test_viewer_sees_no_edit_buttons(viewer_client, workstream):
    WorkstreamPartnerFactory(workstream=workstream)
    MilestoneFactory(workstream=workstream)
    for name in TAB_URL_NAMES:
        body = main(viewer_client.get(url(name, workstream)))
        for control in EDIT_CONTROLS:
            assert control not in body, (name, control)


def test_officer_sees_the_edit_buttons(officer_client, workstream):
    assert "Edit workstream" in page(officer_client.get(url("workstream-detail", workstream)))
    assert "Add a milestone" in page(officer_client.get(url("workstream-milestones", workstream)))
    assert "Add a partner" in page(officer_client.get(url("workstream-partners", workstream)))
    assert "Add to the log" in page(officer_client.get(url("workstream-voice", workstream)))


def test_overview_shows_stage_progress_partners_and_next_milestones(
    officer_client, officer, workstream
):
    services.checklist_item_update(
        item=workstream.checklist_items.get(title="Publish a needs assessment"),
        by=officer,
        status="done",
    )
    WorkstreamPartnerFactory(
        workstream=workstream, organisation=OrganisationFactory(name="Safe Steps Charity")
    )
    MilestoneFactory(workstream=workstream, title="Contract ends", date=datetime.date(2031, 3, 31))
    MilestoneFactory(
        workstream=workstream,
        title="Old review",
        date=timezone.localdate() - datetime.timedelta(days=1),
    )

    text = main(officer_client.get(url("workstream-detail", workstream)))

    assert "1 of 2 checklist items for the Understand stage done" in text
    assert "Map and engage stakeholders, including the market" in text
    assert "Move to Plan" in text
    assert "Safe Steps Charity" in text and "Delivery partner" in text
    assert "31 March 2031" in text and "Contract ends" in text
    assert "Old review" not in text


def test_checklist_tab_groups_items_by_stage_with_who_and_when(officer_client, officer, workstream):
    item = workstream.checklist_items.get(title="Publish a needs assessment")
    services.checklist_item_update(
        item=item,
        by=officer,
        status="done",
        note="Published on the website",
        evidence_url="https://example.org/needs-assessment",
    )

    text = main(officer_client.get(url("workstream-checklist", workstream)))

    headings = re.findall(r'<h3 class="govuk-heading-s" id="stage-(\w+)"', text)
    assert headings == ["understand", "plan", "do", "review"]
    row = re.search(rf'<tr class="govuk-table__row" id="item-{item.pk}">.*?</tr>', text, re.DOTALL)
    row = row.group(0)
    assert "Done" in row and "Olive Officer" in row
    assert timezone.localdate().strftime("%B %Y") in row
    assert "Published on the website" in row
    assert "https://example.org/needs-assessment" in row
    assert "(required)" in row
    assert "(optional)" in text


def test_decisions_and_money_tabs_say_when_nothing_is_recorded(viewer_client, workstream):
    decisions = page(viewer_client.get(url("workstream-decisions", workstream)))
    money = page(viewer_client.get(url("workstream-money", workstream)))
    assert "No decisions have been recorded for this workstream yet." in decisions
    assert "No grants have been recorded for this workstream yet." in money


def test_a_registered_section_fills_its_tab(viewer_client, workstream, tmp_path, settings):
    template_dir = tmp_path / "templates"
    (template_dir / "test").mkdir(parents=True)
    (template_dir / "test" / "section.html").write_text(
        "<p class='govuk-body'>Grants for {{ section.title }}: {{ section.count }}</p>"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [template_dir, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    register_workstream_section(
        "money",
        "Test contracts",
        "test/section.html",
        lambda ws, user: {"title": ws.title, "count": 3},
        order=10,
    )
    try:
        text = page(viewer_client.get(url("workstream-money", workstream)))
        decisions = page(viewer_client.get(url("workstream-decisions", workstream)))
    finally:
        unregister_workstream_section("money", "Test contracts")
    assert "Grants for Victim services: enhanced adults: 3" in text
    assert "No grants or contracts are charged" not in text
    assert "No decisions have been recorded for this workstream yet." in decisions


def test_a_section_cannot_go_on_an_unknown_tab():
    with pytest.raises(ValueError):
        register_workstream_section("partners", "x", "x.html", lambda ws, user: {})


# --- Checklist items and evidence -------------------------------------------------------


def _item(workstream) -> ChecklistItem:
    return workstream.checklist_items.get(title="Publish a needs assessment")


def test_officer_marks_an_item_done_with_a_note_and_link(officer_client, officer, workstream):
    item = _item(workstream)
    response = officer_client.post(
        url("workstream-checklist-item", workstream, item_pk=item.pk),
        {"status": "done", "note": "Published", "evidence_url": "https://example.org/na"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/checklist/#item-{item.pk}")
    item.refresh_from_db()
    assert item.status == ChecklistStatus.DONE
    assert item.completed_by == officer
    assert item.note == "Published"
    assert item.evidence_url == "https://example.org/na"


def test_two_officers_ticking_the_same_item_through_the_page(make_user, workstream):
    from django.test import Client

    first, second = make_user(Role.OFFICER), make_user(Role.MANAGER)
    item = _item(workstream)
    for user in (first, second):
        client = Client()
        client.force_login(user)
        response = client.post(
            url("workstream-checklist-item", workstream, item_pk=item.pk), {"status": "done"}
        )
        assert response.status_code == 302
    assert ChecklistItem.objects.filter(workstream=workstream, title=item.title).count() == 1
    item.refresh_from_db()
    assert item.completed_by == first


def _upload(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            _upload("needs-assessment.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200),
            "The selected file is not a real PDF: its content does not match its name",
        ),
        (_upload("empty.pdf", b""), "The selected file is empty"),
        (_upload("big.pdf", PDF_BYTES + b"0" * 2048), "The selected file must be smaller than"),
        (
            _upload("evidence.zip", b"PK\x03\x04" + b"\x00" * 100, "application/zip"),
            "The selected file must be a PDF",
        ),
    ],
    ids=["exe-renamed-pdf", "empty", "oversize", "zip"],
)
def test_bad_evidence_upload_is_refused_at_the_field(
    officer_client, workstream, media, settings, upload, message
):
    settings.EVIDENCE_MAX_BYTES = 1024
    item = _item(workstream)

    response = officer_client.post(
        url("workstream-checklist-item", workstream, item_pk=item.pk),
        {"status": "done", "note": "See the attached", "evidence_file": upload},
    )

    assert response.status_code == 200
    errors = field_errors(response, "evidence_file")
    assert len(errors) == 1 and errors[0].startswith(message)
    assert shown_at_field(response, "evidence_file", message)
    assert "There is a problem" in page(response)
    # Nothing else typed is lost, and nothing is saved.
    assert "See the attached" in page(response)
    assert re.search(r'value="done"\s+checked', page(response))
    item.refresh_from_db()
    assert item.status == ChecklistStatus.TO_DO
    assert not item.evidence_file and item.note == ""
    assert not any(Path(media).rglob("*.*"))


def test_valid_pdf_is_saved_and_a_viewer_downloads_it_as_an_attachment(
    officer_client, viewer_client, provider_client, workstream, media
):
    item = _item(workstream)
    response = officer_client.post(
        url("workstream-checklist-item", workstream, item_pk=item.pk),
        {"status": "done", "evidence_file": _upload("Needs assessment 2025.pdf", PDF_BYTES)},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.evidence_name == "Needs assessment 2025.pdf"
    assert "Needs assessment" not in item.evidence_file.name
    assert item.evidence_file.name.startswith("checklist-evidence/")
    assert item.evidence_file.name.endswith(".pdf")

    download_url = url("workstream-checklist-evidence", workstream, item_pk=item.pk)
    download = viewer_client.get(download_url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Disposition"].startswith("attachment;")
    assert "Needs assessment 2025.pdf" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"

    assert provider_client.get(download_url).status_code == 404

    documents = page(viewer_client.get(url("workstream-documents", workstream)))
    assert "Needs assessment 2025.pdf" in documents
    assert download_url in documents


def test_evidence_download_without_a_file_goes_back_to_the_checklist(viewer_client, workstream):
    item = _item(workstream)
    response = viewer_client.get(url("workstream-checklist-evidence", workstream, item_pk=item.pk))
    assert response.status_code == 302
    assert response["Location"].endswith(f"/checklist/#item-{item.pk}")


def test_documents_tab_lists_evidence_links(viewer_client, officer, workstream):
    services.checklist_item_update(
        item=_item(workstream),
        by=officer,
        status="done",
        evidence_url="https://example.org/needs-assessment-2025",
    )
    text = page(viewer_client.get(url("workstream-documents", workstream)))
    assert "https://example.org/needs-assessment-2025" in text
    assert "Publish a needs assessment" in text


def test_documents_tab_says_when_there_is_no_evidence(viewer_client, workstream):
    text = page(viewer_client.get(url("workstream-documents", workstream)))
    assert "No evidence has been added to this workstream's checklist yet." in text


# --- Stage advance ----------------------------------------------------------------------


def test_advance_page_lists_the_outstanding_required_items(officer_client, workstream):
    text = main(officer_client.get(url("workstream-advance", workstream)))
    assert "Move from Understand to Plan?" in text
    assert "Publish a needs assessment" in text
    assert "Map and engage stakeholders, including the market" in text
    assert "ask a manager to move the workstream on" in text


def test_officer_post_with_outstanding_items_shows_the_error_and_changes_nothing(
    officer_client, workstream
):
    response = officer_client.post(url("workstream-advance", workstream), {})
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert "Publish a needs assessment" in errors[0]
    assert "There is a problem" in page(response)
    workstream.refresh_from_db()
    assert workstream.stage == Stage.UNDERSTAND
    assert not StageChange.objects.exists()


def test_officer_moves_the_workstream_on_when_the_stage_is_done(
    officer_client, officer, workstream
):
    for item in workstream.checklist_items.filter(stage="understand"):
        services.checklist_item_update(item=item, by=officer, status="done")

    response = officer_client.post(url("workstream-advance", workstream), {})

    assert response.status_code == 302
    assert response["Location"] == workstream.get_absolute_url()
    workstream.refresh_from_db()
    assert workstream.stage == Stage.PLAN
    follow = page(officer_client.get(response["Location"]))
    assert "Victim services: enhanced adults has moved to the Plan stage" in follow


def test_manager_sees_a_reason_field_and_must_fill_it(manager_client, workstream):
    form = manager_client.get(url("workstream-advance", workstream)).context["form"]
    assert "reason" in form.fields

    response = manager_client.post(url("workstream-advance", workstream), {"reason": ""})

    assert response.status_code == 200
    assert field_errors(response, "reason") == [
        "Enter why the workstream is moving on with items still to do"
    ]
    workstream.refresh_from_db()
    assert workstream.stage == Stage.UNDERSTAND


def test_manager_override_is_recorded_and_shown_in_history(manager_client, manager, workstream):
    response = manager_client.post(
        url("workstream-advance", workstream), {"reason": "Needs assessment is a year late"}
    )
    assert response.status_code == 302
    change = StageChange.objects.get()
    assert change.overridden and change.changed_by == manager
    assert "Publish a needs assessment" in change.outstanding

    history = main(manager_client.get(url("workstream-history", workstream)))
    assert "Understand to Plan" in history
    assert "Moved on by a manager" in history
    assert "Needs assessment is a year late" in history
    assert "Publish a needs assessment" in history
    assert "Maya Manager" in history


def test_advance_page_at_review_says_there_is_no_next_stage(manager_client):
    workstream = WorkstreamFactory(stage=Stage.REVIEW)
    text = main(manager_client.get(url("workstream-advance", workstream)))
    assert "Review is the last stage" in text
    assert "Move to" not in text
    response = manager_client.post(url("workstream-advance", workstream), {"reason": "x"})
    assert response.status_code == 200
    assert "no next stage" in response.context["form"].non_field_errors()[0]
    assert "Move to" not in page(manager_client.get(url("workstream-detail", workstream)))


# --- History ----------------------------------------------------------------------------


def test_history_tab_shows_who_changed_what(officer_client, workstream):
    officer_client.post(
        url("workstream-edit", workstream),
        _edit_data(
            workstream, title="Victim services: adults", status="closed", closed_reason="Merged"
        ),
    )

    text = main(officer_client.get(url("workstream-history", workstream)))

    assert "Olive Officer" in text
    assert "Title</strong>: Victim services: enhanced adults to Victim services: adults" in text
    assert "Status</strong>: Active to Closed" in text
    assert "Added the workstream" in text
    assert "Updated at" not in text


def test_history_names_related_records_rather_than_ids(officer_client, workstream, make_user):
    new_lead = make_user(Role.MANAGER, full_name="Nia Newlead")
    officer_client.post(
        url("workstream-edit", workstream), _edit_data(workstream, lead_officer=new_lead.pk)
    )
    text = main(officer_client.get(url("workstream-history", workstream)))
    assert "Lead officer</strong>: Olive Officer to Nia Newlead" in text


# --- Partners ---------------------------------------------------------------------------


def test_officer_adds_a_partner(officer_client, workstream):
    charity = OrganisationFactory(name="Safe Steps Charity")
    response = officer_client.post(
        url("workstream-partner-add", workstream),
        {"organisation": charity.pk, "part": "delivery_partner", "note": "Runs the helpline"},
    )
    assert response.status_code == 302
    assert response["Location"] == url("workstream-partners", workstream)
    partner = WorkstreamPartner.objects.get(workstream=workstream)
    assert (partner.organisation, partner.part, partner.note) == (
        charity,
        PartnerPart.DELIVERY_PARTNER,
        "Runs the helpline",
    )
    text = page(officer_client.get(response["Location"]))
    assert "Safe Steps Charity has been added as delivery partner" in text


def test_duplicate_partner_part_is_refused_at_the_field(officer_client, workstream):
    partner = WorkstreamPartnerFactory(workstream=workstream)
    response = officer_client.post(
        url("workstream-partner-add", workstream),
        {"organisation": partner.organisation.pk, "part": partner.part, "note": "Again"},
    )
    assert response.status_code == 200
    message = f"{partner.organisation} is already a delivery partner in this workstream"
    assert field_errors(response, "organisation") == [message]
    assert shown_at_field(response, "organisation", message)
    assert workstream.partners.count() == 1
    assert "Again" in page(response)


def test_officer_removes_a_partner_after_confirming(officer_client, workstream):
    partner = WorkstreamPartnerFactory(workstream=workstream)
    remove_url = url("workstream-partner-remove", workstream, partner_pk=partner.pk)
    confirm = page(officer_client.get(remove_url))
    assert f"Remove {partner.organisation.name} as delivery partner?" in confirm
    assert WorkstreamPartner.objects.filter(pk=partner.pk).exists()

    response = officer_client.post(remove_url, {})

    assert response.status_code == 302
    assert not WorkstreamPartner.objects.filter(pk=partner.pk).exists()


def test_the_lead_commissioner_partner_cannot_be_removed(officer_client):
    workstream = WorkstreamFactory(role=CommissioningRole.CO_COMMISSIONER)
    partner = workstream.partners.get(part=PartnerPart.LEAD_COMMISSIONER)
    response = officer_client.post(
        url("workstream-partner-remove", workstream, partner_pk=partner.pk), {}
    )
    assert response.status_code == 200
    assert "lead commissioner" in response.context["form"].non_field_errors()[0]
    assert WorkstreamPartner.objects.filter(pk=partner.pk).exists()


# --- Milestones -------------------------------------------------------------------------


def test_officer_adds_a_milestone(officer_client, workstream):
    response = officer_client.post(
        url("workstream-milestone-create", workstream),
        {
            "title": "Victims contracts end",
            "kind": "contract_end",
            "date_0": "31",
            "date_1": "3",
            "date_2": "2030",
            "note": "Re-let from April 2030",
        },
    )
    assert response.status_code == 302
    milestone = Milestone.objects.get()
    assert milestone.workstream == workstream
    assert milestone.date == datetime.date(2030, 3, 31)
    text = page(officer_client.get(url("workstream-milestones", workstream)))
    assert "31 March 2030" in text and "Victims contracts end" in text
    assert "Contract ends" in text


def test_milestone_without_a_date_is_refused_at_the_date_field(officer_client, workstream):
    response = officer_client.post(
        url("workstream-milestone-create", workstream),
        {"title": "SARC contract ends", "kind": "contract_end", "note": "Keep this note"},
    )
    assert response.status_code == 200
    assert field_errors(response, "date") == ["Enter the date of the milestone"]
    assert shown_at_field(response, "date", "Enter the date of the milestone")
    assert not Milestone.objects.exists()
    text = page(response)
    assert "There is a problem" in text
    assert 'value="SARC contract ends"' in text
    assert "Keep this note" in text
    assert re.search(r'value="contract_end"\s+checked', text)


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("31", "", "2030", "The date of the milestone must include a month"),
        ("31", "2", "2030", "The date of the milestone must be a real date"),
        ("a", "b", "c", "The date of the milestone must be a real date"),
    ],
)
def test_milestone_with_a_partial_or_impossible_date_is_refused(
    officer_client, workstream, day, month, year, message
):
    response = officer_client.post(
        url("workstream-milestone-create", workstream),
        {"title": "Review", "kind": "review", "date_0": day, "date_1": month, "date_2": year},
    )
    assert response.status_code == 200
    assert field_errors(response, "date") == [message]
    assert not Milestone.objects.exists()


def test_officer_edits_a_milestone(officer_client, workstream):
    milestone = MilestoneFactory(workstream=workstream, date=datetime.date(2029, 3, 31))
    edit_url = url("workstream-milestone-edit", workstream, milestone_pk=milestone.pk)
    form_page = page(officer_client.get(edit_url))
    assert 'name="date_2" value="2029"' in form_page

    response = officer_client.post(
        edit_url,
        {
            "title": "SV therapies end",
            "kind": "contract_end",
            "date_0": "30",
            "date_1": "4",
            "date_2": "2029",
        },
    )

    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.title == "SV therapies end"
    assert milestone.date == datetime.date(2029, 4, 30)


def test_officer_deletes_a_milestone_after_confirming(officer_client, workstream):
    milestone = MilestoneFactory(workstream=workstream, title="PCC election")
    delete_url = url("workstream-milestone-delete", workstream, milestone_pk=milestone.pk)
    assert "Delete PCC election?" in page(officer_client.get(delete_url))
    assert Milestone.objects.filter(pk=milestone.pk).exists()

    response = officer_client.post(delete_url, {})

    assert response.status_code == 302
    assert not Milestone.objects.filter(pk=milestone.pk).exists()


# --- Service-user voice -----------------------------------------------------------------


def test_officer_logs_service_user_voice(officer_client, officer, workstream):
    response = officer_client.post(
        url("workstream-voice-create", workstream),
        {
            "date_0": "14",
            "date_1": "2",
            "date_2": "2025",
            "kind": "lived_experience_panel",
            "title": "Survivors' panel",
            "participants": "12",
            "summary": "People wanted one point of contact.",
            "influence": "The specification asks for a single navigator.",
        },
    )
    assert response.status_code == 302
    entry = ServiceUserVoice.objects.get()
    assert entry.recorded_by == officer
    assert entry.date == datetime.date(2025, 2, 14)
    text = page(officer_client.get(url("workstream-voice", workstream)))
    assert "Survivors' panel" in text
    assert "14 February 2025" in text
    assert "Lived-experience panel" in text
    assert "The specification asks for a single navigator." in text


def test_voice_entry_needs_what_was_heard(officer_client, workstream):
    response = officer_client.post(
        url("workstream-voice-create", workstream),
        {"date_0": "1", "date_1": "4", "date_2": "2025", "kind": "survey", "title": "Survey"},
    )
    assert response.status_code == 200
    assert field_errors(response, "summary") == ["Enter what you heard"]
    assert not ServiceUserVoice.objects.exists()


def test_voice_tab_lists_the_log(viewer_client, workstream):
    ServiceUserVoiceFactory(workstream=workstream, title="Consultation on the new service")
    text = page(viewer_client.get(url("workstream-voice", workstream)))
    assert "Consultation on the new service" in text
    assert "Service users asked for evening appointments." in text


def test_viewer_cannot_post_to_any_workstream_form(viewer_client, workstream):
    for address in (
        reverse("workstream-create"),
        url("workstream-edit", workstream),
        url("workstream-advance", workstream),
        url("workstream-milestone-create", workstream),
    ):
        assert viewer_client.post(address, {}).status_code == 403


# --- Django admin -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "model", ["portfolio", "checklisttemplateitem", "workstream", "milestone", "serviceuservoice"]
)
def test_administrator_manages_workstream_reference_data_in_admin(
    admin_client_user, workstream, model
):
    MilestoneFactory(workstream=workstream)
    ServiceUserVoiceFactory(workstream=workstream)
    changelist = admin_client_user.get(reverse(f"admin:workstreams_{model}_changelist"))
    assert changelist.status_code == 200
    assert admin_client_user.get(reverse(f"admin:workstreams_{model}_add")).status_code == 200


def test_administrator_edits_a_checklist_template_in_the_list(admin_client_user):
    from workstreams.models import ChecklistTemplateItem

    response = admin_client_user.get(
        reverse("admin:workstreams_checklisttemplateitem_changelist"), {"role__exact": "lead"}
    )
    assert response.status_code == 200
    shown = {row.role for row in response.context["cl"].result_list}
    assert shown == {"lead"}
    assert ChecklistTemplateItem.objects.filter(role="lead").count() == len(
        response.context["cl"].result_list
    )


def test_workstream_added_in_admin_gets_its_checklist(admin_client_user, admin_user):
    inline_management = {
        f"{prefix}-{key}": value
        for prefix in ("partners", "milestones")
        for key, value in {
            "TOTAL_FORMS": "0",
            "INITIAL_FORMS": "0",
            "MIN_NUM_FORMS": "0",
            "MAX_NUM_FORMS": "1000",
        }.items()
    }
    response = admin_client_user.post(
        reverse("admin:workstreams_workstream_add"),
        {
            "title": "Appropriate Adults",
            "description": "",
            "portfolio": Portfolio.objects.get(name="Criminal justice").pk,
            "lead_officer": admin_user.pk,
            "status": "proposed",
            "closed_reason": "",
            "role": "lead",
            "stage": "understand",
            "lead_commissioner": "",
            "predecessor": "",
            **inline_management,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    workstream = Workstream.objects.get(title="Appropriate Adults")
    assert workstream.checklist_items.filter(role="lead").exists()
    assert workstream.history.get().history_user == admin_user
