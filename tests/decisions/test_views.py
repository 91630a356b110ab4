"""The decision pages, through the test client, as the role that uses each one.

Services are tested directly in test_services.py; who may open which URL in general is
covered by tests/security/test_access_matrix.py. These tests check what each page does
and shows.
"""

from __future__ import annotations

import csv
import datetime
import html
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commissioning.models import Notification, Role
from decisions import services
from decisions.models import (
    AssessmentStatus,
    DecisionAssessment,
    DecisionType,
    QuestionSet,
    Rating,
    Recommendation,
)
from tests.factories import (
    DecisionAssessmentFactory,
    PortfolioFactory,
    WorkstreamFactory,
    complete_answers,
    submitted_assessment,
)
from workstreams.models import CommissioningRole, Workstream, WorkstreamStatus

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


def text(response) -> str:
    """The main content's words, tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main(response))).strip()


def error_summary(response) -> list[tuple[str, str]]:
    """The error summary's (link target, message) pairs."""
    match = re.search(r'class="govuk-error-summary".*?</ul>', page(response), re.DOTALL)
    if not match:
        return []
    return [
        (target, message.strip())
        for target, message in re.findall(r'<a href="#([^"]+)">(.*?)</a>', match.group(0))
    ]


def field_errors(response, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, assessment, **kwargs) -> str:
    return reverse(name, kwargs={"pk": assessment.pk, **kwargs})


def answers_data(numbers=range(1, 7), rating=Rating.MET, **overrides) -> dict:
    """The edit form's POST data with the given questions answered."""
    data = {}
    for n in numbers:
        data[f"q{n}_rating"] = rating
        data[f"q{n}_narrative"] = f"Our answer to question {n}."
        data[f"q{n}_evidence_url"] = ""
    data.update(
        {
            "recommendation": Recommendation.PROCEED,
            "recommended_role": CommissioningRole.INFLUENCING,
            "summary": "Take part as an influencing commissioner.",
            "justification": "",
        }
    )
    data.update(overrides)
    return data


def decide(assessment, manager, outcome=AssessmentStatus.APPROVED, reason="Fits the plan."):
    return services.assessment_decide(
        assessment=assessment, by=manager, outcome=outcome, reason=reason
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def draft(officer):
    return DecisionAssessmentFactory(
        author=officer,
        title="Youth diversion partnership",
        workstream=WorkstreamFactory(
            title="Youth diversion", status=WorkstreamStatus.PROPOSED, lead_officer=officer
        ),
    )


# --- Starting an assessment -------------------------------------------------------------


def _start_data(**overrides) -> dict:
    data = {
        "title": "Join the serious violence duty partnership",
        "decision_type": DecisionType.NEW_WORKSTREAM,
        "amount": "",
        "about": "new",
        "workstream": "",
        "new_title": "Serious violence duty",
        "new_portfolio": PortfolioFactory().pk,
        "new_role": CommissioningRole.INFLUENCING,
        "new_lead_commissioner": "",
        "new_lead_officer": "",
    }
    data.update(overrides)
    return data


def test_officer_starts_an_assessment_for_a_new_proposed_workstream(officer, officer_client):
    response = officer_client.post(
        reverse("assessment-create"),
        _start_data(new_lead_officer=officer.pk, amount="25000.50"),
    )

    assessment = DecisionAssessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("assessment-edit", assessment)
    workstream = assessment.workstream
    assert workstream.title == "Serious violence duty"
    assert workstream.status == WorkstreamStatus.PROPOSED
    assert workstream.role == CommissioningRole.INFLUENCING
    assert workstream.lead_officer == officer
    assert assessment.author == officer
    assert assessment.status == AssessmentStatus.DRAFT
    assert str(assessment.amount) == "25000.50"
    assert assessment.answers.count() == 6


def test_officer_starts_an_assessment_for_an_existing_workstream(officer_client):
    workstream = WorkstreamFactory(title="Enhanced adults service")

    response = officer_client.post(
        reverse("assessment-create"),
        _start_data(
            about="existing",
            workstream=workstream.pk,
            decision_type=DecisionType.FUNDING_AWARD,
            new_title="",
            new_portfolio="",
            new_role="",
        ),
    )

    assessment = DecisionAssessment.objects.get()
    assert response.status_code == 302
    assert assessment.workstream == workstream
    assert assessment.decision_type == DecisionType.FUNDING_AWARD
    assert Workstream.objects.count() == 1  # no proposed workstream made


def test_workstream_decisions_tab_links_to_a_start_page_with_it_chosen(officer_client):
    workstream = WorkstreamFactory(title="Enhanced adults service")

    tab = officer_client.get(reverse("workstream-decisions", kwargs={"pk": workstream.pk}))
    link = f"{reverse('assessment-create')}?workstream={workstream.pk}"
    assert "Assess a decision for this workstream" in page(tab)
    assert f'href="{link}"' in page(tab)

    start = officer_client.get(link)
    assert re.search(
        rf'<option value="{workstream.pk}" selected>Enhanced adults service</option>', page(start)
    )
    assert re.search(r'value="existing"\s+checked', page(start))


def test_start_page_shows_both_choices_without_javascript(officer_client):
    response = officer_client.get(reverse("assessment-create"))

    body = page(response)
    # Both groups are in the page; only GOV.UK Frontend's script hides the unchosen one.
    assert 'name="workstream"' in body
    assert 'name="new_title"' in body
    assert 'name="new_lead_officer"' in body
    assert 'class="govuk-input__prefix" aria-hidden="true">£<' in body


def test_start_refuses_an_incomplete_new_workstream_at_its_fields(officer_client):
    response = officer_client.post(
        reverse("assessment-create"), _start_data(new_title="", new_role="")
    )

    assert response.status_code == 200
    assert field_errors(response, "new_title") == ["Enter the title of the new workstream"]
    assert field_errors(response, "new_role") == ["Select the commissioning role being considered"]
    assert field_errors(response, "new_lead_officer") == [
        "Select the new workstream's lead officer"
    ]
    assert not DecisionAssessment.objects.exists()
    assert not Workstream.objects.exists()


def test_start_refuses_existing_without_a_workstream(officer_client):
    response = officer_client.post(
        reverse("assessment-create"), _start_data(about="existing", workstream="")
    )

    assert field_errors(response, "workstream") == ["Select the workstream the decision is about"]
    assert field_errors(response, "new_title") == []  # the other branch is not checked
    assert not DecisionAssessment.objects.exists()


def test_start_refuses_a_bad_amount_and_a_missing_choice_at_their_fields(officer_client):
    response = officer_client.post(
        reverse("assessment-create"), _start_data(amount="lots", about="")
    )

    assert ("id_amount", "Enter the amount in pounds, like 125000 or 125000.50") in (
        error_summary(response)
    )
    assert (
        "id_about_1",
        "Select whether the decision is about an existing workstream or a new one",
    ) in error_summary(response)
    body = page(response)
    assert 'id="id_about"' in body  # the summary's link lands on the question
    assert 'id="id_amount_1_error"' in body
    assert not DecisionAssessment.objects.exists()


def test_start_requires_a_lead_commissioner_for_a_co_commissioned_workstream(
    officer, officer_client
):
    response = officer_client.post(
        reverse("assessment-create"),
        _start_data(new_role=CommissioningRole.CO_COMMISSIONER, new_lead_officer=officer.pk),
    )

    assert field_errors(response, "new_lead_commissioner") == [
        "Select the lead commissioner: a co-commissioned workstream is led by another body"
    ]
    assert not Workstream.objects.exists()


# --- Answering the questions ------------------------------------------------------------


def test_edit_page_shows_the_assessments_own_questions_and_context(officer_client, draft):
    response = officer_client.get(url("assessment-edit", draft))

    body = text(response)
    assert response.status_code == 200
    assert "Decision framework, version 1" in body
    for heading in ("1. Rationale", "2. Budget", "3. Expertise", "4. Capacity", "5. Risk"):
        assert heading in body
    assert "Does it help deliver the Police and Crime Plan?" in body
    assert "Funding streams and their headroom" in body
    assert "Olive Officer’s workstreams and the next 12 months of the forward plan" in body
    assert "Save as draft" in body
    assert "Save and submit for decision" in body


def test_an_assessment_for_a_proposed_workstream_asks_which_role_to_take(officer_client, draft):
    body = text(officer_client.get(url("assessment-edit", draft)))

    assert "Which commissioning role should the office take?" in body


def test_saving_a_draft_keeps_everything_typed(officer_client, draft):
    data = answers_data(
        numbers=[1, 3],
        q1_evidence_url="https://example.org/plan.pdf",
        summary="",
        recommendation="",
        recommended_role="",
    )
    data["q3_rating"] = Rating.NOT_MET
    data["justification"] = "Half-written justification"
    data["action"] = "draft"

    response = officer_client.post(url("assessment-edit", draft), data)

    assert response.status_code == 302
    assert response["Location"] == url("assessment-edit", draft)
    draft.refresh_from_db()
    assert draft.status == AssessmentStatus.DRAFT
    assert draft.justification == "Half-written justification"
    answers = {a.question.number: a for a in draft.answers.select_related("question")}
    assert answers[1].narrative == "Our answer to question 1."
    assert answers[1].evidence_url == "https://example.org/plan.pdf"
    assert answers[3].rating == Rating.NOT_MET
    assert answers[2].rating == ""

    again = officer_client.get(url("assessment-edit", draft))
    assert "Our answer to question 3." in page(again)
    assert re.search(r'name="q3_rating"[^>]*value="not_met"\s+checked', page(again))


def test_submitting_with_two_questions_unanswered_lists_each_missing_answer(officer_client, draft):
    data = answers_data(numbers=[1, 3, 4, 6])
    data["action"] = "submit"

    response = officer_client.post(url("assessment-edit", draft), data)

    assert response.status_code == 200
    assert error_summary(response) == [
        ("id_q2_rating_1", "Select a rating for question 2, Budget"),
        ("id_q2_narrative", "Enter your answer to question 2, Budget"),
        ("id_q5_rating_1", "Select a rating for question 5, Risk"),
        ("id_q5_narrative", "Enter your answer to question 5, Risk"),
    ]
    # Each link lands on its question's field.
    assert 'id="id_q2_rating_1"' in page(response)
    assert 'id="id_q5_narrative"' in page(response)
    assert "saved as a draft" in text(response)
    # What was typed is on the page and kept in the draft.
    assert "Our answer to question 4." in page(response)
    draft.refresh_from_db()
    assert draft.status == AssessmentStatus.DRAFT
    assert draft.summary == "Take part as an influencing commissioner."
    kept = draft.answers.get(question__number=4)
    assert (kept.rating, kept.narrative) == (Rating.MET, "Our answer to question 4.")
    assert not draft.events.filter(to_status=AssessmentStatus.SUBMITTED).exists()


def test_proceeding_with_a_question_not_met_needs_a_justification(officer_client, draft):
    data = answers_data()
    data["q5_rating"] = Rating.NOT_MET
    data["action"] = "submit"

    response = officer_client.post(url("assessment-edit", draft), data)

    assert [target for target, _ in error_summary(response)] == ["id_justification"]
    draft.refresh_from_db()
    assert draft.status == AssessmentStatus.DRAFT


def test_successful_submit_puts_it_in_the_managers_queue_oldest_first(
    officer_client, manager_client, draft
):
    older = submitted_assessment(title="Older decision")
    data = answers_data()
    data["action"] = "submit"

    response = officer_client.post(url("assessment-edit", draft), data)

    assert response.status_code == 302
    assert response["Location"] == url("assessment-detail", draft)
    draft.refresh_from_db()
    assert draft.status == AssessmentStatus.SUBMITTED
    dashboard = text(manager_client.get(reverse("dashboard")))
    assert "Decisions waiting for you" in dashboard
    assert "2 assessments waiting for a decision, oldest first" in dashboard
    assert dashboard.index(older.reference) < dashboard.index(draft.reference)
    assert f'href="{url("assessment-decide", draft)}"' in page(
        manager_client.get(reverse("dashboard"))
    )


def test_manager_dashboard_says_when_nothing_is_waiting(manager_client):
    dashboard = text(manager_client.get(reverse("dashboard")))

    assert "No decisions are waiting for you." in dashboard


def test_officer_dashboard_lists_their_own_assessments(officer, officer_client, draft):
    waiting = submitted_assessment(author=officer, title="Waiting one")

    dashboard = text(officer_client.get(reverse("dashboard")))

    assert "Your assessments" in dashboard
    assert f"{draft.reference}: Youth diversion partnership" in dashboard
    assert f"{waiting.reference}: Waiting one" in dashboard
    assert "Decisions waiting for you" not in dashboard


def test_your_assessments_lists_ten_of_each_and_says_how_many_more(officer, officer_client):
    from decisions.panels import OWN_LIMIT

    for n in range(OWN_LIMIT + 2):
        DecisionAssessmentFactory(author=officer, title=f"Draft number {n:02d}")
    for n in range(OWN_LIMIT + 1):
        submitted_assessment(author=officer, title=f"Submitted number {n:02d}")

    dashboard = text(officer_client.get(reverse("dashboard")))

    assert sum(f"Draft number {n:02d}" in dashboard for n in range(OWN_LIMIT + 2)) == OWN_LIMIT
    assert "Draft number 11" in dashboard and "Draft number 00" not in dashboard  # newest
    assert "And 2 more to finish" in dashboard
    assert "Submitted number 00" in dashboard and "Submitted number 10" not in dashboard
    assert "And 1 more waiting for a decision" in dashboard
    more = page(officer_client.get(reverse("dashboard")))
    assert f"?author={officer.pk}&status=submitted" in more


def test_evidence_upload_refused_for_a_fake_pdf_at_the_field(officer_client, draft, media):
    data = answers_data(numbers=[1])
    data["q1_evidence_file"] = SimpleUploadedFile("report.pdf", b"not really a PDF")
    data["action"] = "draft"

    response = officer_client.post(url("assessment-edit", draft), data)

    assert response.status_code == 200
    assert field_errors(response, "q1_evidence_file") == [
        "The selected file is not a real PDF: its content does not match its name"
    ]
    assert ("id_q1_evidence_file", field_errors(response, "q1_evidence_file")[0]) in (
        error_summary(response)
    )
    answer = draft.answers.get(question__number=1)
    assert not answer.evidence_file
    assert answer.narrative == ""  # nothing saved from a refused form


def test_evidence_uploaded_with_an_answer_downloads_as_an_attachment(
    officer_client, viewer_client, draft, media
):
    data = answers_data(numbers=[2])
    data["q2_evidence_file"] = SimpleUploadedFile("Budget paper.pdf", PDF_BYTES)
    data["action"] = "draft"
    officer_client.post(url("assessment-edit", draft), data)
    answer = draft.answers.get(question__number=2)
    download_url = url("assessment-evidence", draft, answer_pk=answer.pk)

    edit_page = page(officer_client.get(url("assessment-edit", draft)))
    assert f'href="{download_url}"' in edit_page
    assert "Budget paper.pdf" in edit_page
    response = viewer_client.get(download_url)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "Budget paper.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_evidence_link_without_a_file_goes_back_to_the_assessment(viewer_client, draft):
    answer = draft.answers.get(question__number=1)

    response = viewer_client.get(url("assessment-evidence", draft, answer_pk=answer.pk))

    assert response.status_code == 302
    assert response["Location"] == url("assessment-detail", draft)


def test_evidence_of_another_assessments_answer_is_not_found(viewer_client, draft):
    other = DecisionAssessmentFactory().answers.first()

    response = viewer_client.get(url("assessment-evidence", draft, answer_pk=other.pk))

    assert response.status_code == 404


# --- Deciding ---------------------------------------------------------------------------


def test_manager_approves_with_reason_and_the_workstream_goes_ahead(
    officer, officer_client, manager_client, draft
):
    data = answers_data()
    data["action"] = "submit"
    officer_client.post(url("assessment-edit", draft), data)

    response = manager_client.post(
        url("assessment-decide", draft),
        {"outcome": AssessmentStatus.APPROVED, "reason": "Within remit and capacity."},
    )

    assert response.status_code == 302
    assert response["Location"] == url("assessment-detail", draft)
    draft.refresh_from_db()
    assert draft.status == AssessmentStatus.APPROVED
    assert draft.decision_reason == "Within remit and capacity."
    workstream = Workstream.objects.get(pk=draft.workstream_id)
    assert workstream.status == WorkstreamStatus.ACTIVE
    assert workstream.role == CommissioningRole.INFLUENCING
    notification = Notification.objects.get(recipient=officer, key__startswith="assessment-decided")
    assert draft.reference in notification.title
    assert "approved" in notification.title
    record = text(manager_client.get(url("assessment-detail", draft)))
    assert "Decided by Maya Manager" in record
    assert "Reason Within remit and capacity." in record
    assert "Submitted to approved" in record


def test_decide_requires_an_outcome_and_a_reason(manager_client):
    assessment = submitted_assessment()

    response = manager_client.post(url("assessment-decide", assessment), {"reason": "  "})

    assert field_errors(response, "outcome") == ["Select approve, decline or return for changes"]
    assert field_errors(response, "reason") == ["Enter the reason for your decision"]
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED


def test_manager_returns_an_assessment_for_changes_and_the_author_can_edit_again(
    officer, officer_client, manager_client
):
    assessment = submitted_assessment(author=officer)

    manager_client.post(
        url("assessment-decide", assessment),
        {"outcome": AssessmentStatus.RETURNED, "reason": "Say more about the risk."},
    )

    edit = officer_client.get(url("assessment-edit", assessment))
    assert edit.status_code == 200
    assert "Say more about the risk." in text(edit)
    assert 'name="q5_narrative"' in page(edit)


def test_manager_cannot_decide_their_own_assessment(manager):
    assessment = submitted_assessment(author=manager)
    client = client_for(manager)

    shown = client.get(url("assessment-decide", assessment))
    crafted = client.post(
        url("assessment-decide", assessment),
        {"outcome": AssessmentStatus.APPROVED, "reason": "Looks fine to me."},
    )

    message = "You wrote this assessment, so another manager must decide it"
    assert message in text(shown)
    assert 'name="outcome"' not in page(shown)
    assert crafted.status_code == 200
    assert message in [m for _, m in error_summary(crafted)]
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
    assert assessment.decided_by is None
    detail = text(client.get(url("assessment-detail", assessment)))
    assert "another manager must decide it" in detail
    assert f'href="{url("assessment-decide", assessment)}"' not in page(
        client.get(url("assessment-detail", assessment))
    )


def test_a_second_manager_is_told_it_was_already_decided(manager, make_user):
    assessment = submitted_assessment()
    decide(assessment, manager, outcome=AssessmentStatus.APPROVED)
    second = client_for(make_user(Role.MANAGER, full_name="Sam Second"))

    response = second.post(
        url("assessment-decide", assessment),
        {"outcome": AssessmentStatus.DECLINED, "reason": "Not in our remit."},
    )

    assert response.status_code == 200
    assert [m for _, m in error_summary(response)] == [
        "This assessment has already been approved by Maya Manager, so your decision was "
        "not recorded."
    ]
    assert 'name="outcome"' not in page(response)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.APPROVED
    assert assessment.decided_by == manager
    assert assessment.events.count() == 3  # started, submitted, approved: nothing more


def test_officer_is_refused_the_decide_page(officer_client):
    assessment = submitted_assessment()

    assert officer_client.get(url("assessment-decide", assessment)).status_code == 403
    response = officer_client.post(
        url("assessment-decide", assessment),
        {"outcome": AssessmentStatus.APPROVED, "reason": "Fine."},
    )
    assert response.status_code == 403
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED


# --- Who sees what ----------------------------------------------------------------------


def test_viewer_reads_but_changes_nothing(viewer_client, manager):
    waiting = submitted_assessment()
    decided = decide(submitted_assessment(), manager)
    draft = DecisionAssessmentFactory()

    for assessment in (waiting, decided, draft):
        response = viewer_client.get(url("assessment-detail", assessment))
        assert response.status_code == 200
        body = page(response)
        assert url("assessment-edit", assessment) not in body
        assert url("assessment-decide", assessment) not in body
        assert url("assessment-supersede", assessment) not in body
    assert "Start an assessment" not in text(viewer_client.get(reverse("assessment-list")))

    assert viewer_client.post(url("assessment-edit", draft), answers_data()).status_code == 403
    assert (
        viewer_client.post(
            url("assessment-decide", waiting), {"outcome": "approved", "reason": "x"}
        ).status_code
        == 403
    )
    assert viewer_client.post(url("assessment-supersede", decided)).status_code == 403
    assert viewer_client.post(reverse("assessment-create"), _start_data()).status_code == 403
    waiting.refresh_from_db()
    assert waiting.status == AssessmentStatus.SUBMITTED
    assert not DecisionAssessment.objects.filter(supersedes=decided).exists()


def test_editors_see_the_actions_they_may_use(officer_client, manager_client, manager, draft):
    waiting = submitted_assessment()
    decided = decide(submitted_assessment(), manager)

    assert url("assessment-edit", draft) in page(
        officer_client.get(url("assessment-detail", draft))
    )
    assert url("assessment-edit", waiting) not in page(
        officer_client.get(url("assessment-detail", waiting))
    )
    assert url("assessment-decide", waiting) not in page(
        officer_client.get(url("assessment-detail", waiting))
    )
    assert url("assessment-decide", waiting) in page(
        manager_client.get(url("assessment-detail", waiting))
    )
    assert url("assessment-supersede", decided) in page(
        officer_client.get(url("assessment-detail", decided))
    )


def test_provider_finds_no_assessment_pages(provider_client, draft, media):
    answer = draft.answers.first()
    pages = [
        url("assessment-detail", draft),
        url("assessment-edit", draft),
        url("assessment-decide", draft),
        url("assessment-supersede", draft),
        url("assessment-evidence", draft, answer_pk=answer.pk),
    ]
    for address in pages:
        assert provider_client.get(address).status_code == 404, address
        assert provider_client.post(address).status_code == 404, address
    assert provider_client.get(reverse("assessment-list")).status_code == 403
    assert provider_client.get(reverse("assessment-export")).status_code == 403


# --- Decided assessments ----------------------------------------------------------------


def test_a_decided_assessment_cannot_be_edited(officer, officer_client, manager):
    assessment = decide(submitted_assessment(author=officer), manager)
    before = list(assessment.answers.values_list("rating", "narrative"))

    shown = officer_client.get(url("assessment-edit", assessment))
    data = answers_data(rating=Rating.NOT_MET, summary="Rewritten")
    data["action"] = "draft"
    refused = officer_client.post(url("assessment-edit", assessment), data)

    assert shown.status_code == 200
    assert "can no longer be edited" in text(shown)
    assert "supersede it" in text(shown)
    assert 'name="q1_rating"' not in page(shown)
    assert "can no longer be edited" in text(refused)
    assert "There is a problem" in text(refused)
    assessment.refresh_from_db()
    assert assessment.summary == "Proceed as lead commissioner."
    assert list(assessment.answers.values_list("rating", "narrative")) == before


def test_a_submitted_assessment_cannot_be_edited_while_it_waits(officer, officer_client):
    assessment = submitted_assessment(author=officer)

    shown = officer_client.get(url("assessment-edit", assessment))

    assert "can't be edited unless a manager returns it for changes" in text(shown)
    assert 'name="q1_rating"' not in page(shown)


def test_supersede_creates_a_linked_draft_with_the_answers_copied(officer, officer_client, manager):
    old = decide(
        submitted_assessment(author=officer),
        manager,
        outcome=AssessmentStatus.DECLINED,
        reason="Another body's remit.",
    )

    confirm = officer_client.get(url("assessment-supersede", old))
    response = officer_client.post(url("assessment-supersede", old))

    assert "Supersede this assessment with a new one?" in text(confirm)
    new = DecisionAssessment.objects.get(supersedes=old)
    assert response.status_code == 302
    assert response["Location"] == url("assessment-edit", new)
    assert new.status == AssessmentStatus.DRAFT
    assert new.author == officer
    assert [(a.rating, a.narrative) for a in new.answers.order_by("question__number")] == [
        (Rating.MET, f"Answer to question {n}.") for n in range(1, 7)
    ]
    old_page = officer_client.get(url("assessment-detail", old))
    assert f'href="{new.get_absolute_url()}"' in page(old_page)
    assert f"Superseded by {new.reference}" in text(old_page)
    assert url("assessment-supersede", old) not in page(old_page)  # only once
    assert f"Supersedes {old.reference}" in text(officer_client.get(new.get_absolute_url()))


def test_an_undecided_assessment_cannot_be_superseded(officer_client, draft):
    shown = officer_client.get(url("assessment-supersede", draft))
    response = officer_client.post(url("assessment-supersede", draft))

    assert "Only a decided assessment can be superseded" in text(shown)
    assert response.status_code == 200
    assert "Only a decided assessment can be superseded" in text(response)
    assert DecisionAssessment.objects.count() == 1


def test_decision_record_shows_answers_and_timeline_and_prints_without_actions(
    officer_client, manager
):
    assessment = DecisionAssessmentFactory(amount="12500")
    complete_answers(assessment, rating=Rating.PARTLY_MET)
    services.assessment_submit(assessment=assessment, by=assessment.author)
    decide(assessment, manager, outcome=AssessmentStatus.DECLINED, reason="No capacity.")

    response = officer_client.get(url("assessment-detail", assessment))

    body = text(response)
    assert "£12,500.00" in body
    assert "Decision framework, version 1" in body
    assert "2. Budget Partly met" in body
    assert "Answer to question 2." in body
    assert "Declined" in body
    assert "Reason No capacity." in body
    assert "Started as a draft" in body
    assert "Draft to submitted" in body
    assert "Submitted to declined" in body
    actions = re.search(r'<div class="govuk-button-group ([^"]*)">', page(response))
    assert actions and "portal-no-print" in actions.group(1)


# --- The register -----------------------------------------------------------------------


@pytest.fixture
def register(make_user, manager):
    alex = make_user(Role.OFFICER, full_name="Alex Ames")
    bea = make_user(Role.OFFICER, full_name="Bea Brown")
    draft = DecisionAssessmentFactory(author=alex, title="Draft new workstream")
    waiting = submitted_assessment(
        author=bea, title="Waiting funding", decision_type=DecisionType.FUNDING_AWARD
    )
    approved = decide(submitted_assessment(author=alex, title="Approved one"), manager)
    declined = decide(
        submitted_assessment(author=bea, title="Declined one"),
        manager,
        outcome=AssessmentStatus.DECLINED,
        reason="Another body's remit",
    )
    old = datetime.datetime(2025, 1, 10, 12, tzinfo=datetime.UTC)
    DecisionAssessment.objects.filter(pk=draft.pk).update(created_at=old)
    return {
        "alex": alex,
        "bea": bea,
        "draft": draft,
        "waiting": waiting,
        "approved": approved,
        "declined": declined,
    }


def date_query(**dates: datetime.date) -> dict:
    """GOV.UK date inputs' query parameters: name_0 (day), name_1 (month), name_2 (year)."""
    query = {}
    for name, date in dates.items():
        query.update({f"{name}_0": date.day, f"{name}_1": date.month, f"{name}_2": date.year})
    return query


def listed(response) -> list[str]:
    return sorted(a.title for a in response.context["object_list"])


def test_register_lists_every_assessment_declined_ones_included(viewer_client, register):
    response = viewer_client.get(reverse("assessment-list"))

    assert listed(response) == [
        "Approved one",
        "Declined one",
        "Draft new workstream",
        "Waiting funding",
    ]
    body = text(response)
    assert "4 decisions" in body
    assert register["declined"].reference in body
    assert "Proceed as lead commissioner" in body  # the recommendation column


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"decision_type": "funding_award"}, ["Waiting funding"]),
        ({"status": "submitted"}, ["Waiting funding"]),
        ({"outcome": "declined"}, ["Declined one"]),
        ({"outcome": "approved"}, ["Approved one"]),
        ({"outcome": "undecided"}, ["Draft new workstream", "Waiting funding"]),
        ({"q": "declined"}, ["Declined one"]),
        ({"recommended_role": "lead"}, ["Approved one", "Declined one", "Waiting funding"]),
    ],
)
def test_register_filters(viewer_client, register, query, expected):
    assert listed(viewer_client.get(reverse("assessment-list"), query)) == expected


def test_register_filters_by_officer_and_lead_officer(viewer_client, register):
    by_author = viewer_client.get(reverse("assessment-list"), {"author": register["bea"].pk})
    assert listed(by_author) == ["Declined one", "Waiting funding"]

    lead = register["approved"].workstream.lead_officer
    by_lead = viewer_client.get(reverse("assessment-list"), {"lead_officer": lead.pk})
    assert listed(by_lead) == ["Approved one"]


def test_register_filters_by_date_range(viewer_client, register):
    today = timezone.localdate()
    early = viewer_client.get(
        reverse("assessment-list"),
        date_query(created_from=datetime.date(2025, 1, 1), created_to=datetime.date(2025, 1, 31)),
    )
    recent = viewer_client.get(reverse("assessment-list"), date_query(created_from=today))

    assert listed(early) == ["Draft new workstream"]
    assert listed(recent) == ["Approved one", "Declined one", "Waiting funding"]


def test_register_refuses_a_date_range_that_ends_before_it_starts(viewer_client, register):
    response = viewer_client.get(
        reverse("assessment-list"),
        date_query(created_from=datetime.date(2025, 2, 1), created_to=datetime.date(2025, 1, 1)),
    )

    assert "Started to date must be the same as or after the from date" in text(response)


def test_register_csv_has_the_filtered_rows_declined_included(viewer_client, register):
    response = viewer_client.get(
        reverse("assessment-export"), {"author": register["bea"].pk, "format": "csv"}
    )

    assert response.status_code == 200
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert sorted(row["Title"] for row in rows) == ["Declined one", "Waiting funding"]
    declined = next(row for row in rows if row["Title"] == "Declined one")
    assert declined["Status"] == "Declined"
    assert declined["Decided by"] == "Maya Manager"
    assert declined["Reason for the decision"] == "Another body's remit"
    assert declined["Reference"] == register["declined"].reference


def test_register_costs_the_same_queries_for_3_and_30_assessments(viewer_client, manager):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = viewer_client.get(reverse("assessment-list"))
        assert response.status_code == 200
        return len(captured.captured_queries)

    for _ in range(3):
        decide(submitted_assessment(), manager)
    with_3 = queries()
    for _ in range(27):
        decide(submitted_assessment(), manager)
    with_30 = queries()

    assert with_30 == with_3


# --- Workstream tab and admin -----------------------------------------------------------


def test_workstream_decisions_tab_lists_its_assessments(viewer_client, manager):
    declined = decide(
        submitted_assessment(title="Join the board"),
        manager,
        outcome=AssessmentStatus.DECLINED,
        reason="No capacity before the 2025 re-commissioning",
    )
    other = DecisionAssessmentFactory(title="Someone else's")

    response = viewer_client.get(
        reverse("workstream-decisions", kwargs={"pk": declined.workstream_id})
    )

    body = text(response)
    assert declined.reference in body
    assert "Declined by Maya Manager" in body
    assert "No capacity before the 2025 re-commissioning" in body
    assert other.reference not in body
    assert "Assess a decision for this workstream" not in body  # a viewer changes nothing


def test_admin_views_assessments_but_cannot_change_them(admin_client_user):
    assessment = submitted_assessment()

    listing = admin_client_user.get(reverse("admin:decisions_decisionassessment_changelist"))
    change_url = reverse("admin:decisions_decisionassessment_change", args=[assessment.pk])
    shown = admin_client_user.get(change_url)
    posted = admin_client_user.post(change_url, {"title": "Rewritten"})

    assert listing.status_code == 200
    assert assessment.reference in page(listing)
    assert shown.status_code == 200
    assert 'name="_save"' not in page(shown)
    assert posted.status_code == 403
    assessment.refresh_from_db()
    assert assessment.title != "Rewritten"


def test_admin_keeps_the_wording_of_a_question_set_in_use(admin_client_user):
    DecisionAssessmentFactory()
    question_set = QuestionSet.objects.get(is_current=True)
    response = admin_client_user.get(
        reverse("admin:decisions_questionset_change", args=[question_set.pk])
    )

    assert response.status_code == 200
    assert 'name="questions-0-text"' not in page(response)  # read-only once answered


def test_a_new_wording_leaves_existing_assessments_with_theirs(
    admin_client_user, officer_client, draft
):
    data = {
        "version": "2",
        "introduced_on": "2026-04-01",
        "is_current": "on",
        "note": "Plain English review",
        "questions-TOTAL_FORMS": "6",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
    }
    for index, heading in enumerate(
        ["Rationale", "Budget", "Expertise", "Capacity", "Risk", "Impact"]
    ):
        data[f"questions-{index}-number"] = str(index + 1)
        data[f"questions-{index}-heading"] = heading
        data[f"questions-{index}-text"] = f"Reworded question about {heading.lower()}?"
        data[f"questions-{index}-guidance"] = ""

    response = admin_client_user.post(reverse("admin:decisions_questionset_add"), data)

    assert response.status_code == 302
    assert QuestionSet.objects.get(is_current=True).version == 2
    old_page = text(officer_client.get(url("assessment-edit", draft)))
    assert "Does it help deliver the Police and Crime Plan?" in old_page
    assert "Decision framework, version 1" in old_page
    new = DecisionAssessmentFactory()
    new_page = text(officer_client.get(url("assessment-edit", new)))
    assert "Reworded question about rationale?" in new_page
    assert "Decision framework, version 2" in new_page
