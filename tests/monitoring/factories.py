"""Factories for the monitoring app's models; merged into ``tests.factories.FACTORIES``.

Returns are made the way the portal makes them: a grant is awarded and becomes active,
and its schedule brings its returns with it.
"""

from __future__ import annotations

import datetime

import factory
from django.core.files.base import ContentFile

from commissioning.models import Role
from monitoring import services
from monitoring.models import (
    Concern,
    ConcernKind,
    EvidenceFile,
    MonitoringReturn,
    ReturnSchedule,
    UnderspendFlag,
    UnderspendKind,
)
from tests.factories import GrantFactory, UserFactory

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)  # the smallest real PDF: one blank A4 page with a correct cross-reference table


def active_grant(**kwargs):
    """A grant that is active (so it has its return schedule), skipping the award's
    paperwork checks: the award itself is tested in the grants app."""
    from grants.models import GrantStatus

    grant = GrantFactory(**kwargs)
    grant.status = GrantStatus.AWARDED
    grant.award_date = grant.start_date
    grant.save(update_fields=["status", "award_date"])
    from grants.services import grant_activate

    return grant_activate(grant=grant, by=None)


class ReturnScheduleFactory(factory.django.DjangoModelFactory):
    """The schedule of an active grant (quarterly, 2025/26: four returns)."""

    class Meta:
        model = ReturnSchedule

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        grant = kwargs.pop("grant", None) or active_grant(**kwargs)
        return grant.return_schedule


class MonitoringReturnFactory(factory.django.DjangoModelFactory):
    """The first return of an active grant's schedule."""

    class Meta:
        model = MonitoringReturn

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        schedule = kwargs.pop("schedule", None) or ReturnScheduleFactory(**kwargs)
        return schedule.returns.order_by("due_date").first()


class EvidenceFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvidenceFile

    monitoring_return = factory.SubFactory(MonitoringReturnFactory)
    file = factory.LazyFunction(lambda: ContentFile(PDF_BYTES, name="evidence.pdf"))
    original_name = "evidence.pdf"
    size = len(PDF_BYTES)
    uploaded_by = factory.SubFactory(UserFactory, role=Role.OFFICER)


class UnderspendFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnderspendFlag

    monitoring_return = factory.SubFactory(MonitoringReturnFactory)
    kind = UnderspendKind.BELOW_PROFILE
    amount = 1000


class ConcernFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Concern

    grant = factory.LazyFunction(active_grant)
    kind = ConcernKind.CONCERN
    received_on = datetime.date(2025, 6, 1)
    raised_by = "Service user"
    summary = "Waiting times for a first appointment are too long."
    recorded_by = factory.SubFactory(UserFactory, role=Role.OFFICER)


FACTORIES = {
    ReturnSchedule: ReturnScheduleFactory,
    MonitoringReturn: MonitoringReturnFactory,
    EvidenceFile: EvidenceFileFactory,
    UnderspendFlag: UnderspendFlagFactory,
    Concern: ConcernFactory,
}

__all__ = ["FACTORIES", "active_grant", "services"]
