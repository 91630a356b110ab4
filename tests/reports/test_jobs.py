"""Asking for a PDF report, watching it being prepared and downloading it: report jobs
through the test client (Celery runs eagerly in the test settings), the build task's
failure and retry paths, who may download what, and one run on a real worker."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commissioning.models import Role
from reports import services_jobs, tasks_jobs
from reports.models import ReportJob, ReportKind, ReportStatus
from reports.pdf import render_report
from reports.services_jobs import ReportRequest
from tests.conftest import require, uses_postgres
from tests.factories import (
    ContractFactory,
    DecisionAssessmentFactory,
    FundingStreamFactory,
    OrganisationFactory,
)
from tests.reports.factories_jobs import ReportJobFactory, pdf_text

pytestmark = pytest.mark.django_db

ASK = reverse("report-job-ask")
REFRESH = '<meta http-equiv="refresh" content="3">'


@pytest.fixture
def year_2025(db):
    """A financial year the office has figures for."""
    return FundingStreamFactory(financial_year=2025)


def _ask(client, **data):
    return client.post(ASK, data)


def _stored_reports() -> set[str]:
    folder = Path(settings.MEDIA_ROOT) / "reports"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


# --- Asking, preparing, downloading -----------------------------------------------------


def test_asking_for_the_annual_report_builds_it_and_offers_the_download(
    officer_client, officer, year_2025, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(officer_client, kind=ReportKind.ANNUAL_REPORT, year=2025)

    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert job.status == ReportStatus.READY
    assert job.requested_by == officer
    assert job.title == "Annual commissioning report 2025/26"
    assert job.params == {"year": 2025}
    assert job.pages >= 1 and job.size == job.file.size and job.finished_at

    page = officer_client.get(job.get_absolute_url()).content.decode()
    assert "Your report is ready" in page
    assert REFRESH not in page
    assert reverse("report-job-download", args=[job.pk]) in page

    download = officer_client.get(reverse("report-job-download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert job.file_name in download["Content-Disposition"]
    content = b"".join(download.streaming_content)
    assert content.startswith(b"%PDF-")
    assert "Annual commissioning report 2025/26" in pdf_text(content)


def test_viewer_may_ask_for_a_report(viewer_client, year_2025):
    response = _ask(viewer_client, kind=ReportKind.FUNDING_AWARDED, year=2025)

    assert response.status_code == 302
    assert ReportJob.objects.get().kind == ReportKind.FUNDING_AWARDED


def test_provider_may_not_ask_for_a_report(provider_client, provider):
    contract = ContractFactory(supplier=provider.organisation)

    response = _ask(provider_client, kind=ReportKind.CONTRACT_REVIEW_PACK, object=contract.pk)

    assert response.status_code == 403
    assert not ReportJob.objects.exists()


def test_the_ask_page_offers_the_years_with_figures(officer_client, year_2025):
    FundingStreamFactory(financial_year=2023)

    page = officer_client.get(reverse("report-job-new")).content.decode()

    assert "Ask for a report" in page
    assert "2025/26" in page and "2023/24" in page
    assert "2024/25" not in page  # no streams and no grants that year
    assert f'action="{ASK}"' in page


def test_asking_without_a_year_shows_what_to_put_right(officer_client, year_2025):
    response = _ask(officer_client, kind=ReportKind.ANNUAL_REPORT)

    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Select a financial year" in page
    assert not ReportJob.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"kind": ReportKind.ANNUAL_REPORT, "year": 1999},
        {"kind": ReportKind.FUNDING_AWARDED, "year": 2031},
        {"kind": ReportKind.CONTRACT_REVIEW_PACK, "object": 999999},
        {"kind": ReportKind.DECISION_RECORD, "object": 999999},
        {"kind": ReportKind.WORKSTREAM_SUMMARY, "object": 999999},
        {"kind": ReportKind.CONTRACT_REVIEW_PACK},
        {"kind": "not-a-report"},
    ],
    ids=str,
)
def test_a_report_about_something_that_does_not_exist_answers_404(officer_client, year_2025, data):
    assert _ask(officer_client, **data).status_code == 404
    assert not ReportJob.objects.exists()


def test_a_contract_review_pack_is_about_the_contracts_supplier(officer_client):
    contract = ContractFactory()

    _ask(officer_client, kind=ReportKind.CONTRACT_REVIEW_PACK, object=contract.pk)

    job = ReportJob.objects.get()
    assert job.organisation == contract.supplier
    assert job.title == f"Contract review pack: {contract.reference} {contract.title}"


# --- One job for a double click ----------------------------------------------------------


def test_asking_twice_while_it_is_being_prepared_gives_the_same_job(officer_client, manager):
    assessment = DecisionAssessmentFactory()
    # No on-commit callbacks run here, so the first job stays queued.
    first = _ask(officer_client, kind=ReportKind.DECISION_RECORD, object=assessment.pk)
    second = _ask(officer_client, kind=ReportKind.DECISION_RECORD, object=assessment.pk)

    job = ReportJob.objects.get()
    assert job.status == ReportStatus.QUEUED
    assert first["Location"] == second["Location"] == job.get_absolute_url()
    page = officer_client.get(job.get_absolute_url()).content.decode()
    assert "is already being prepared" in page


def test_a_ready_report_is_asked_for_afresh(officer_client, year_2025):
    ReportJobFactory(kind=ReportKind.ANNUAL_REPORT, params={"year": 2025})

    _ask(officer_client, kind=ReportKind.ANNUAL_REPORT, year=2025)

    assert ReportJob.objects.filter(kind=ReportKind.ANNUAL_REPORT).count() == 2


def test_two_asks_racing_make_one_job(officer_client, officer, year_2025, monkeypatch):
    """The second request looked for a live job before the first one's insert, so it
    found none; its own insert then breaks the partial unique constraint and it answers
    with the first request's job."""
    request = ReportRequest(ReportKind.ANNUAL_REPORT, {"year": 2025}, "Annual report")
    winner, created = services_jobs.report_job_request(request=request, by=officer)
    assert created

    real_lookup = services_jobs._live_job
    calls = []

    def lookup_that_loses_the_race(kind, fingerprint):
        calls.append(kind)
        return None if len(calls) == 1 else real_lookup(kind, fingerprint)

    monkeypatch.setattr(services_jobs, "_live_job", lookup_that_loses_the_race)

    response = _ask(officer_client, kind=ReportKind.ANNUAL_REPORT, year=2025)

    assert len(calls) == 2  # the miss, then the look-up after the IntegrityError
    assert response.status_code == 302
    assert response["Location"] == winner.get_absolute_url()
    assert ReportJob.objects.count() == 1


def test_a_job_lost_by_its_worker_is_replaced_when_asked_again(officer_client, year_2025):
    lost = ReportJobFactory(kind=ReportKind.ANNUAL_REPORT, params={"year": 2025}, queued=True)
    ReportJob.objects.filter(pk=lost.pk).update(
        status=ReportStatus.BUILDING,
        started_at=timezone.now() - services_jobs.STALE_AFTER * 2,
    )

    response = _ask(officer_client, kind=ReportKind.ANNUAL_REPORT, year=2025)

    lost.refresh_from_db()
    assert lost.status == ReportStatus.FAILED
    assert "took too long" in lost.error_message
    new = ReportJob.objects.exclude(pk=lost.pk).get()
    assert response["Location"] == new.get_absolute_url()


# --- While it is being prepared ---------------------------------------------------------


def test_the_job_page_shows_progress_until_the_report_is_ready(officer_client):
    """No meta refresh (a self-reloading page fails WCAG 2.2.1): a button to check again
    without JavaScript, and a progress area the page's script swaps in when ready."""
    job = ReportJobFactory(queued=True)

    queued = officer_client.get(job.get_absolute_url()).content.decode()
    assert REFRESH not in queued
    assert 'id="check-again"' in queued
    assert 'data-live="true"' in queued
    assert "This report is being prepared" in queued
    assert reverse("report-job-download", args=[job.pk]) not in queued
    assert officer_client.get(reverse("report-job-download", args=[job.pk])).status_code == 404

    ReportJob.objects.filter(pk=job.pk).update(status=ReportStatus.BUILDING)
    assert 'data-live="true"' in officer_client.get(job.get_absolute_url()).content.decode()

    ready = ReportJobFactory()
    page = officer_client.get(ready.get_absolute_url()).content.decode()
    assert 'data-live="false"' in page
    assert "Your report is ready" in page


# --- Failure and retry ------------------------------------------------------------------


def _failing_render(*args, **kwargs):
    raise RuntimeError("the printer caught fire")


def test_a_failed_build_says_so_offers_a_retry_and_leaves_nothing_to_download(
    officer_client, year_2025, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(tasks_jobs, "render_report", _failing_render)
    before = _stored_reports()

    with django_capture_on_commit_callbacks(execute=True):
        _ask(officer_client, kind=ReportKind.FUNDING_AWARDED, year=2025)

    job = ReportJob.objects.get()
    assert job.status == ReportStatus.FAILED
    assert not job.file
    assert _stored_reports() == before
    assert "printer" not in job.error_message  # the log has the details, not the page
    page = officer_client.get(job.get_absolute_url()).content.decode()
    assert "The report could not be prepared" in page
    assert "Something went wrong while preparing this report" in page
    assert "Try again" in page
    assert f'name="kind" value="{ReportKind.FUNDING_AWARDED}"' in page
    assert 'name="year" value="2025"' in page
    assert REFRESH not in page
    assert officer_client.get(reverse("report-job-download", args=[job.pk])).status_code == 404

    # "Try again" asks for the same report: a new build, which now works.
    monkeypatch.setattr(tasks_jobs, "render_report", render_report)
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(officer_client, kind=job.kind, year=job.params["year"])
    retry = ReportJob.objects.exclude(pk=job.pk).get()
    assert response["Location"] == retry.get_absolute_url()
    assert retry.status == ReportStatus.READY


def test_a_report_about_a_record_deleted_meanwhile_fails_clearly(officer):
    job = ReportJobFactory(queued=True, kind=ReportKind.DECISION_RECORD, params={"assessment": 0})

    tasks_jobs.build_report_job.delay(job.pk)

    job.refresh_from_db()
    assert job.status == ReportStatus.FAILED
    assert job.error_message == tasks_jobs.GONE_MESSAGE


class _Retried(Exception):
    """What the patched ``retry`` raises: Celery's Retry, as far as the task is concerned."""


@pytest.fixture
def worker_retries(monkeypatch):
    """Run the task as a worker would (not eagerly), recording each retry it asks for."""
    task = tasks_jobs.build_report_job
    asked = []

    def retry(exc=None, countdown=None, **options):
        asked.append(countdown)
        return _Retried(exc)

    monkeypatch.setattr(task, "retry", retry)

    def run(job_id, retries=0):
        task.push_request(retries=retries, is_eager=False)
        try:
            return task.run(job_id)
        finally:
            task.pop_request()

    run.asked = asked
    return run


def test_a_passing_database_problem_is_retried_by_the_worker(
    year_2025, monkeypatch, worker_retries
):
    job = ReportJobFactory(queued=True, kind=ReportKind.ANNUAL_REPORT, params={"year": 2025})
    attempts = []

    def flaky_render(*args, **kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("database is locked")
        return render_report(*args, **kwargs)

    monkeypatch.setattr(tasks_jobs, "render_report", flaky_render)

    with pytest.raises(_Retried):
        worker_retries(job.pk)
    job.refresh_from_db()
    assert job.status == ReportStatus.QUEUED  # waiting for its retry
    assert worker_retries.asked == [5]

    assert worker_retries(job.pk, retries=1) == ReportStatus.READY
    job.refresh_from_db()
    assert job.attempts == 2


def test_a_database_problem_that_lasts_fails_the_job(year_2025, monkeypatch, worker_retries):
    job = ReportJobFactory(queued=True, kind=ReportKind.ANNUAL_REPORT, params={"year": 2025})

    def broken_render(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(tasks_jobs, "render_report", broken_render)

    assert worker_retries(job.pk, retries=tasks_jobs.MAX_RETRIES) == ReportStatus.FAILED
    job.refresh_from_db()
    assert job.error_message == tasks_jobs.UNAVAILABLE_MESSAGE
    assert worker_retries.asked == []


def test_run_eagerly_a_database_problem_fails_at_once(year_2025, monkeypatch):
    job = ReportJobFactory(queued=True, kind=ReportKind.ANNUAL_REPORT, params={"year": 2025})

    def broken_render(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(tasks_jobs, "render_report", broken_render)

    tasks_jobs.build_report_job.delay(job.pk)

    job.refresh_from_db()
    assert job.status == ReportStatus.FAILED
    assert job.error_message == tasks_jobs.UNAVAILABLE_MESSAGE


def test_running_the_task_twice_builds_the_report_once(year_2025, monkeypatch):
    job = ReportJobFactory(queued=True, kind=ReportKind.ANNUAL_REPORT, params={"year": 2025})
    renders = []

    def counting_render(*args, **kwargs):
        renders.append(1)
        return render_report(*args, **kwargs)

    monkeypatch.setattr(tasks_jobs, "render_report", counting_render)

    assert tasks_jobs.build_report_job.delay(job.pk).get() == ReportStatus.READY
    assert tasks_jobs.build_report_job.delay(job.pk).get() is None
    assert len(renders) == 1


def test_a_build_finished_after_its_job_was_given_up_keeps_no_file(year_2025):
    job = ReportJobFactory(queued=True, kind=ReportKind.ANNUAL_REPORT, params={"year": 2025})
    before = _stored_reports()
    building = services_jobs.report_job_start(job_id=job.pk)
    rendered = render_report(job.kind, job.params, title=job.title)
    services_jobs.report_job_fail(job_id=job.pk, message=services_jobs.STALE_MESSAGE)

    result = services_jobs.report_job_complete(job=building, rendered=rendered)

    assert result.status == ReportStatus.FAILED
    assert not result.file
    assert _stored_reports() == before


# --- Who may download what --------------------------------------------------------------


def test_provider_downloads_their_own_contracts_review_pack_only(provider_client, provider):
    own = ReportJobFactory(contract=ContractFactory(supplier=provider.organisation))
    other = ReportJobFactory()
    office_only = ReportJobFactory(
        kind=ReportKind.ANNUAL_REPORT, params={"year": 2025}, organisation=None
    )

    assert provider_client.get(own.get_absolute_url()).status_code == 200
    download = provider_client.get(reverse("report-job-download", args=[own.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")

    for job in (other, office_only):
        assert provider_client.get(job.get_absolute_url()).status_code == 404
        assert provider_client.get(reverse("report-job-download", args=[job.pk])).status_code == 404

    listing = provider_client.get(reverse("report-job-list")).content.decode()
    assert own.title in listing
    assert other.title not in listing and office_only.title not in listing
    assert "Ask for a report" not in listing


def test_provider_sees_their_review_packs_on_their_contract_and_dashboard(
    provider_client, provider
):
    contract = ContractFactory(supplier=provider.organisation)
    job = ReportJobFactory(contract=contract)

    page = provider_client.get(contract.get_absolute_url()).content.decode()
    assert "Contract review packs" in page
    assert reverse("report-job-download", args=[job.pk]) in page
    assert ASK not in page  # providers do not ask for reports

    dashboard = provider_client.get(reverse("dashboard")).content.decode()
    assert "Reports about your organisation" in dashboard
    assert job.title in dashboard


def test_office_staff_ask_for_a_review_pack_from_the_contract_page(viewer_client):
    contract = ContractFactory()

    page = viewer_client.get(contract.get_absolute_url()).content.decode()

    assert "Ask for a contract review pack (PDF)" in page
    assert f'name="object" value="{contract.pk}"' in page


def test_reports_are_listed_newest_first_and_filter_by_kind(officer_client):
    older = ReportJobFactory()
    newer = ReportJobFactory(kind=ReportKind.FORWARD_PLAN, params={}, title="Forward plan")

    page = officer_client.get(reverse("report-job-list")).content.decode()
    assert page.index(newer.title) < page.index(older.title)

    filtered = officer_client.get(
        reverse("report-job-list"), {"kind": ReportKind.FORWARD_PLAN}
    ).content.decode()
    assert newer.title in filtered
    assert older.title not in filtered


def test_reports_list_costs_the_same_for_2_and_12_jobs(officer_client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert officer_client.get(reverse("report-job-list")).status_code == 200
        return len(captured)

    ReportJobFactory.create_batch(2)
    few = queries()
    ReportJobFactory.create_batch(10)
    assert queries() == few


def test_staff_have_reports_in_the_navigation_and_providers_do_not(officer_client, provider_client):
    assert (
        f'href="{reverse("report-job-list")}"'
        in officer_client.get(reverse("dashboard")).content.decode()
    )
    assert (
        f'href="{reverse("report-job-list")}"'
        not in provider_client.get(reverse("dashboard")).content.decode()
    )


@pytest.mark.parametrize(
    ("page", "label"),
    [
        ("decision", "Ask for the decision record (PDF)"),
        ("workstream", "Ask for the workstream summary (PDF)"),
        ("forward-plan", "Ask for the forward plan (PDF)"),
    ],
)
def test_office_staff_ask_for_a_report_from_its_page(viewer_client, page, label):
    if page == "decision":
        record = DecisionAssessmentFactory()
        url, kind, subject = record.get_absolute_url(), ReportKind.DECISION_RECORD, record.pk
    elif page == "workstream":
        record = ContractFactory().workstream
        url, kind, subject = record.get_absolute_url(), ReportKind.WORKSTREAM_SUMMARY, record.pk
    else:
        url, kind, subject = reverse("forward-plan"), ReportKind.FORWARD_PLAN, None

    html = viewer_client.get(url).content.decode()

    assert label in html
    assert f'name="kind" value="{kind}"' in html
    if subject is not None:
        assert f'name="object" value="{subject}"' in html


def test_the_ask_button_is_for_office_staff(rf, make_user):
    from django.template.loader import render_to_string

    def button(role):
        request = rf.get("/")
        request.user = make_user(role)
        return render_to_string(
            "reports/jobs/includes/ask_button.html",
            {"kind": ReportKind.FORWARD_PLAN, "label": "Ask for the forward plan (PDF)"},
            request=request,
        )

    assert "Ask for the forward plan (PDF)" in button(Role.VIEWER)
    assert "Ask for the forward plan (PDF)" not in button(Role.PROVIDER)


# --- On a real worker -------------------------------------------------------------------


@pytest.fixture
def worker_media_root(monkeypatch, settings):
    """The worker process stores files where this test process reads them (its own
    settings would put them under ./media)."""
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))


def test_a_real_worker_builds_a_report_asked_for_through_the_page(
    worker_media_root, celery_worker_process, client, make_user
):
    require(uses_postgres(), "needs PostgreSQL")
    officer = make_user(Role.OFFICER)
    client.force_login(officer)
    OrganisationFactory()
    FundingStreamFactory(financial_year=2025)

    response = client.post(ASK, {"kind": ReportKind.FUNDING_AWARDED, "year": 2025})
    job = ReportJob.objects.get()
    assert response["Location"] == job.get_absolute_url()

    deadline = time.monotonic() + 60
    while job.status != ReportStatus.READY:
        assert job.status != ReportStatus.FAILED, job.error_message
        assert time.monotonic() < deadline, "the worker did not build the report within 60s"
        page = client.get(job.get_absolute_url()).content.decode()
        # Still being prepared (or it finished since the status was read).
        assert 'id="check-again"' in page or "Your report is ready" in page
        time.sleep(0.2)
        job.refresh_from_db()

    download = client.get(reverse("report-job-download", args=[job.pk]))
    assert "Funding awarded in 2025/26" in pdf_text(b"".join(download.streaming_content))
