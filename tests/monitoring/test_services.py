"""Filling in and submitting a return through the services: what a provider's answers
do to the saved return, and what is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from commissioning.models import Notification, Role
from monitoring import services
from monitoring.models import ReturnStatus, UnderspendKind
from tests.factories import ContractFactory, KPIFactory, UserFactory
from tests.monitoring.factories import MonitoringReturnFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(db):
    return UserFactory(role=Role.PROVIDER)


@pytest.fixture
def monitoring_return(provider):
    monitoring_return = MonitoringReturnFactory()
    provider.organisation = monitoring_return.organisation
    provider.save()
    return monitoring_return


def _finance(monitoring_return, by, *, complete=True, **fields):
    values = {
        "budget": Decimal("5000"),
        "actual_spend": Decimal("5000"),
        "forecast_year_end": monitoring_return.year_budget,
        "underspend_explanation": "",
    } | fields
    return services.return_save_finance(
        monitoring_return=monitoring_return,
        by=by,
        version=monitoring_return.version,
        complete=complete,
        **values,
    )


def _complete(monitoring_return, by, **finance):
    monitoring_return = _finance(monitoring_return, by, **finance)
    monitoring_return = services.return_save_narrative(
        monitoring_return=monitoring_return,
        by=by,
        version=monitoring_return.version,
        complete=True,
        went_well="Referrals came in from every area.",
        challenges="Recruiting a second caseworker.",
    )
    return services.return_mark_evidence(
        monitoring_return=monitoring_return, by=by, version=monitoring_return.version, complete=True
    )


def test_a_saved_draft_moves_the_return_in_progress_and_keeps_the_figures(
    monitoring_return, provider
):
    saved = _finance(monitoring_return, provider, complete=False, actual_spend=Decimal("1200.50"))

    assert saved.status == ReturnStatus.DRAFT
    assert saved.actual_spend == Decimal("1200.50")
    assert saved.finance_complete is False
    assert saved.version == monitoring_return.version + 1


def test_finance_marked_complete_needs_every_figure(monitoring_return, provider):
    with pytest.raises(ValidationError) as error:
        _finance(monitoring_return, provider, actual_spend=None)

    assert error.value.message_dict == {"actual_spend": ["Enter the actual spend in the period"]}
    monitoring_return.refresh_from_db()
    assert monitoring_return.status == ReturnStatus.DUE


def test_an_underspend_must_be_explained(monitoring_return, provider):
    with pytest.raises(ValidationError) as error:
        _finance(monitoring_return, provider, actual_spend=Decimal("3000"))

    assert error.value.message_dict == {"underspend_explanation": ["Explain the underspend"]}


def test_a_save_from_a_stale_form_is_refused_and_changes_nothing(monitoring_return, provider):
    opened_at = monitoring_return.version
    _finance(monitoring_return, provider, complete=False, actual_spend=Decimal("100"))

    with pytest.raises(ValidationError) as error:
        services.return_save_finance(
            monitoring_return=monitoring_return,
            by=provider,
            version=opened_at,
            complete=False,
            actual_spend=Decimal("999"),
        )

    assert error.value.code == "stale"
    monitoring_return.refresh_from_db()
    assert monitoring_return.actual_spend == Decimal("100")


def test_submitting_an_incomplete_return_names_the_missing_sections(monitoring_return, provider):
    _finance(monitoring_return, provider)
    monitoring_return.refresh_from_db()

    with pytest.raises(ValidationError) as error:
        services.return_submit(monitoring_return=monitoring_return, by=provider)

    assert error.value.messages == [
        "Complete the narrative section",
        "Complete the evidence section",
    ]


def test_a_submitted_return_is_kept_as_submitted_and_can_no_longer_change(
    monitoring_return, provider
):
    monitoring_return = _complete(monitoring_return, provider)
    submitted = services.return_submit(monitoring_return=monitoring_return, by=provider)

    assert submitted.status == ReturnStatus.SUBMITTED
    submission = submitted.submissions.get()
    assert submission.snapshot["finance"]["actual_spend"] == "5000.00"
    assert submission.snapshot["narrative"]["went_well"] == "Referrals came in from every area."
    with pytest.raises(ValidationError) as error:
        _finance(submitted, provider, actual_spend=Decimal("1"))
    assert error.value.code == "not_editable"


def test_submission_tells_the_agreements_officers(monitoring_return, provider):
    grant = monitoring_return.schedule.grant
    services.return_submit(monitoring_return=_complete(monitoring_return, provider), by=provider)

    recipients = set(
        Notification.objects.filter(key__startswith="return-submitted:").values_list(
            "recipient", flat=True
        )
    )
    assert recipients == {grant.responsible_officer_id, grant.workstream.lead_officer_id}


def test_spend_below_profile_and_a_forecast_underspend_are_both_flagged(
    monitoring_return, provider
):
    year_budget = monitoring_return.year_budget
    monitoring_return = _complete(
        monitoring_return,
        provider,
        budget=Decimal("5000"),
        actual_spend=Decimal("4000"),  # 20% below the period's budget
        forecast_year_end=year_budget - Decimal("1500"),
        underspend_explanation="A post was vacant for two months.",
    )
    services.return_submit(monitoring_return=monitoring_return, by=provider)

    flags = {flag.kind: flag for flag in monitoring_return.underspend_flags.all()}
    assert flags[UnderspendKind.BELOW_PROFILE].amount == Decimal("1000.00")
    assert flags[UnderspendKind.BELOW_PROFILE].percentage == Decimal("20.0")
    assert flags[UnderspendKind.REPORTED].amount == Decimal("1500.00")
    assert Notification.objects.filter(key__startswith="underspend:").count() == 4  # 2 × 2


def test_spend_just_inside_the_tolerance_is_not_flagged(monitoring_return, provider, settings):
    settings.UNDERSPEND_TOLERANCE_PERCENT = Decimal("10")
    monitoring_return = _complete(
        monitoring_return, provider, budget=Decimal("1000"), actual_spend=Decimal("901")
    )
    services.return_submit(monitoring_return=monitoring_return, by=provider)

    assert not monitoring_return.underspend_flags.exists()


def test_negative_figures_are_refused_at_their_field(monitoring_return, provider):
    with pytest.raises(ValidationError) as error:
        _finance(monitoring_return, provider, complete=False, actual_spend=Decimal("-5"))

    assert error.value.message_dict["actual_spend"] == ["Enter an amount of £0 or more"]


def test_a_contract_return_reports_each_kpi_against_its_target(db):
    from contracts.services import contract_go_live

    contract = ContractFactory()
    kpi = KPIFactory(contract=contract, target=Decimal("90"))
    contract = contract_go_live(contract=contract, by=None, went_live_on=contract.start_date)
    monitoring_return = contract.return_schedule.returns.order_by("due_date").first()
    officer = contract.responsible_officer

    assert services.sections_for(monitoring_return)[:2] == ["finance", "performance"]
    with pytest.raises(ValidationError) as error:
        services.return_save_kpis(
            monitoring_return=monitoring_return,
            by=officer,
            version=monitoring_return.version,
            complete=True,
            actuals={},
        )
    assert f"kpi_{kpi.pk}" in error.value.message_dict

    services.return_save_kpis(
        monitoring_return=monitoring_return,
        by=officer,
        version=monitoring_return.version,
        complete=True,
        actuals={kpi.pk: (Decimal("93"), "Above target")},
    )
    result = monitoring_return.kpi_results.get()
    assert (result.target, result.actual, result.met) == (Decimal("90"), Decimal("93"), True)
