"""The scale seed, at a tiny scale: CI's proof that ``manage.py seed_scale`` still works
(the full-scale figures are in benchmarks/README.md)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from commissioning.models import FundingStream, Organisation, User
from contracts.models import Contract
from grants.models import Grant
from monitoring.models import MonitoringReturn, ReturnStatus
from workstreams.models import CommissioningRole, Workstream

pytestmark = pytest.mark.django_db


def test_seed_scale_copies_the_demo_to_the_sizes_asked_for_once(settings):
    settings.DEMO_DATA_ALLOWED = True
    out = io.StringIO()
    call_command("seed_scale", grants=300, contracts=40, returns=1500, stdout=out)

    assert Grant.objects.count() >= 300
    assert Contract.objects.count() >= 40
    assert 1200 <= MonitoringReturn.objects.count() <= 1600
    # every state of a return, every commissioning role, ten financial years of money
    assert set(MonitoringReturn.objects.values_list("status", flat=True)) == set(
        ReturnStatus.values
    )
    assert set(Workstream.objects.values_list("role", flat=True)) == set(CommissioningRole.values)
    years = FundingStream.objects.values_list("financial_year", flat=True).distinct()
    assert len(years) >= 10
    # copies carry their own organisations, users and history
    assert Organisation.objects.filter(name__endswith="(1)").exists()
    assert User.objects.filter(email__contains="+s1@").exists()
    # managers are copied with one office copy in twenty: an office has a few of them
    assert User.objects.filter(role="manager", email__contains="+s1@").exists()
    assert not User.objects.filter(role="manager", email__contains="+s2@").exists()
    assert User.objects.filter(role="officer", email__contains="+s2@").exists()
    assert Grant.history.count() >= Grant.objects.count()
    # returns stay unique per schedule and period after being moved back in time
    clashes = (
        MonitoringReturn.objects.values("schedule", "period_key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not clashes.exists()
    assert "returns" in out.getvalue()

    # and a second run is refused rather than copying the copies
    with pytest.raises(CommandError, match="already holds scale data"):
        call_command("seed_scale", grants=60, contracts=10, returns=400, stdout=io.StringIO())
