"""Factories for the reports app's jobs models."""

from __future__ import annotations

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from commissioning.models import Role
from reports.models import ReportJob, ReportKind, ReportStatus, params_hash
from tests.factories import ContractFactory, UserFactory

#: The smallest file a PDF reader opens: enough for a download to stream.
TINY_PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class ReportJobFactory(factory.django.DjangoModelFactory):
    """A ready contract review pack with its file stored, about its contract's supplier
    (so a provider of another organisation gets 404 for it)."""

    class Meta:
        model = ReportJob
        exclude = ("contract",)

    contract = factory.SubFactory(ContractFactory)
    kind = ReportKind.CONTRACT_REVIEW_PACK
    params = factory.LazyAttribute(lambda o: {"contract": o.contract.pk})
    params_hash = factory.LazyAttribute(lambda o: params_hash(o.kind, o.params))
    title = factory.LazyAttribute(lambda o: f"Contract review pack: {o.contract.reference}")
    organisation = factory.LazyAttribute(lambda o: o.contract.supplier)
    requested_by = factory.SubFactory(UserFactory, role=Role.OFFICER)
    status = ReportStatus.READY
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyFunction(timezone.now)
    attempts = 1
    file = factory.LazyFunction(lambda: ContentFile(TINY_PDF, name="report.pdf"))
    file_name = "contract-review-pack.pdf"
    size = len(TINY_PDF)
    pages = 1

    class Params:
        queued = factory.Trait(
            status=ReportStatus.QUEUED,
            started_at=None,
            finished_at=None,
            attempts=0,
            file="",
            file_name="",
            size=None,
            pages=None,
        )
        failed = factory.Trait(
            status=ReportStatus.FAILED,
            file="",
            file_name="",
            size=None,
            pages=None,
            error_message="Something went wrong while preparing this report.",
        )


FACTORIES: dict = {ReportJob: ReportJobFactory}


# --- Reading the PDFs the tests build ---------------------------------------------------


def pdf_pages(content: bytes) -> list[str]:
    """The text of each page of a PDF, as a reader copying it would get it."""
    import io

    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def pdf_text(content: bytes) -> str:
    """The PDF's text, pages joined and runs of white space made single spaces (a table
    cell's text may wrap onto a second line)."""
    return " ".join(" ".join(pdf_pages(content)).split())


# --- Data for the reports ---------------------------------------------------------------


def grant_awarded_on(day, **kwargs):
    """A grant awarded on ``day`` (through the award service, paperwork complete)."""
    from grants.services import grant_award
    from tests.factories import GrantFactory, awardable

    grant = awardable(GrantFactory(**kwargs))
    return grant_award(grant=grant, by=grant.responsible_officer, award_date=day)


def decided(assessment, *, outcome, by, on=None, reason="Decided for the test."):
    """Decide a submitted assessment; ``on`` moves the decision to that moment."""
    from decisions.models import DecisionAssessment
    from decisions.services import assessment_decide

    assessment = assessment_decide(assessment=assessment, by=by, outcome=outcome, reason=reason)
    if on is not None:
        DecisionAssessment.objects.filter(pk=assessment.pk).update(decided_at=on)
        assessment.refresh_from_db()
    return assessment


def bulk_awarded_grants(count: int, *, award_date, amount, programme=None, area=None):
    """``count`` awarded grants to ``count`` new recipients, made in a few bulk inserts
    (for the tests that need many rows, where the award service would be slow)."""
    from grants.models import Grant, GrantStatus, Programme
    from tests.factories import OrganisationFactory, UserFactory, WorkstreamFactory

    officer = UserFactory(role=Role.OFFICER)
    workstream = WorkstreamFactory(lead_officer=officer)
    programme = programme or Programme.objects.get(code="small-grants")
    organisations = OrganisationFactory.create_batch(count)
    grants = Grant.objects.bulk_create(
        Grant(
            reference=f"BULK-{organisation.pk}",
            title=f"Grant to {organisation.name}",
            purpose="Support for victims of crime.",
            workstream=workstream,
            recipient=organisation,
            programme=programme,
            beneficiary_area=area,
            amount=amount,
            award_date=award_date,
            start_date=award_date,
            end_date=award_date.replace(year=award_date.year + 1),
            award_route="open_call",
            responsible_officer=officer,
            status=GrantStatus.AWARDED,
        )
        for organisation in organisations
    )
    return grants
