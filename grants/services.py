"""Changes to grants: drafting, charging to funding streams, payment schedules, the
award (with every precondition named), payments, underspends, withdrawal, local
allocations and onward grants. Each is one transaction."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from commissioning.dates import FinancialYear, add_months, months_covered
from commissioning.history import set_reference_quietly
from commissioning.hooks import AGREEMENT_CHANGED, announce
from commissioning.locking import check_version
from commissioning.models import FundingStream, User
from commissioning.templatetags.portal import money
from decisions.models import AssessmentStatus, DecisionType

from .allocation import AreaFigures, split, split_evenly
from .models import (
    AllocationShare,
    Area,
    Grant,
    GrantCharge,
    GrantStatus,
    LocalAllocation,
    OnwardGrant,
    Payment,
    PaymentStatus,
    PaymentTiming,
    UnderspendReturn,
)

ZERO = Decimal("0.00")


def _save(instance, *, by: User | None):
    instance.full_clean()
    instance._history_user = by
    instance.save()
    return instance


def _locked(grant: Grant) -> Grant:
    return Grant.objects.select_for_update().get(pk=grant.pk)


def _require_draft(grant: Grant, action: str) -> None:
    if grant.status != GrantStatus.DRAFT:
        raise ValidationError(
            "This grant is %(status)s, so you can no longer %(action)s",
            code="not_draft",
            params={"status": grant.get_status_display().lower(), "action": action},
        )


def _cancel_scheduled_payments(grant: Grant, *, by: User | None) -> None:
    """Cancel the payments not yet made, keeping each one's history."""
    payments = list(grant.payments.filter(status=PaymentStatus.SCHEDULED))
    for payment in payments:
        payment.status = PaymentStatus.CANCELLED
    bulk_update_with_history(payments, Payment, ["status"], default_user=by)


# --- Drafting ---------------------------------------------------------------------------


@transaction.atomic
def grant_create(
    *, by: User | None, charges: Iterable[tuple[FundingStream, Decimal]] = (), **fields: Any
) -> Grant:
    """A draft grant. With no reference given, one is made from the financial year of
    its start date (GR-2025-0007)."""
    wanted_reference = (fields.pop("reference", "") or "").strip()
    grant = Grant(reference=wanted_reference or f"new-{uuid.uuid4().hex[:20]}", **fields)
    _save(grant, by=by)
    if not wanted_reference:
        year = FinancialYear.containing(grant.start_date).start_year
        set_reference_quietly(grant, f"GR-{year}-{grant.pk:04d}")
    charges = list(charges)
    if charges:
        _set_charges(grant, charges, by=by)
    return grant


@transaction.atomic
def grant_update(*, grant: Grant, by: User, version: int | None = None, **fields: Any) -> Grant:
    """Edit a draft. Once awarded only the agreement's paperwork and officer change.
    ``version`` is the one the edit page was opened at: a newer grant is not saved over."""
    grant = _locked(grant)
    check_version(grant, version, noun="grant")
    if grant.status != GrantStatus.DRAFT:
        paperwork = {
            "conditions",
            "signed_agreement",
            "signed_agreement_name",
            "responsible_officer",
            "purpose",
        }
        locked = sorted(set(fields) - paperwork)
        if locked:
            raise ValidationError(
                "This grant is %(status)s: its money, dates and recipient can no longer "
                "change. Record a variation instead.",
                code="not_draft",
                params={"status": grant.get_status_display().lower()},
            )
    for name, value in fields.items():
        setattr(grant, name, value)
    return _save(grant, by=by)


def _set_charges(grant: Grant, charges: list[tuple[FundingStream, Decimal]], *, by) -> None:
    streams = [stream.pk for stream, _ in charges]
    if any(amount is None or amount <= 0 for _, amount in charges):
        raise ValidationError(
            {"charges": "Enter an amount greater than £0 for each funding stream"}
        )
    if len(set(streams)) != len(streams):
        raise ValidationError({"charges": "Charge each funding stream once"})
    if sum((amount for _, amount in charges), ZERO) != grant.amount:
        raise ValidationError(
            {
                "charges": ValidationError(
                    "The amounts charged to funding streams add up to %(charged)s but the "
                    "grant is %(amount)s: they must be equal",
                    params={
                        "charged": money(sum((a for _, a in charges), ZERO)),
                        "amount": money(grant.amount),
                    },
                )
            }
        )
    grant.charges.all().delete()
    for stream, amount in charges:
        _save(GrantCharge(grant=grant, funding_stream=stream, amount=amount), by=by)


@transaction.atomic
def grant_set_charges(
    *, grant: Grant, by: User, charges: list[tuple[FundingStream, Decimal]]
) -> Grant:
    grant = _locked(grant)
    _require_draft(grant, "change the funding streams it is charged to")
    _set_charges(grant, charges, by=by)
    grant.payments.all().delete()  # the schedule follows the charges: generate it again
    return grant


# --- Payment schedule -------------------------------------------------------------------


def instalment_dates(
    start: datetime.date, end: datetime.date, instalments: int, timing: str
) -> list[datetime.date]:
    """Due dates for ``instalments`` equal periods across the grant: each period's first
    day when paid in advance, its last day when paid in arrears."""
    months = months_covered(start, end)
    instalments = max(1, min(instalments, months))
    boundaries = [add_months(start, round(months * i / instalments)) for i in range(instalments)]
    boundaries = [
        max(start, day.replace(day=1) if i else start) for i, day in enumerate(boundaries)
    ]
    if timing == PaymentTiming.ADVANCE:
        return boundaries
    ends = [next_start - datetime.timedelta(days=1) for next_start in boundaries[1:]]
    return [*ends, end]


@transaction.atomic
def schedule_generate(*, grant: Grant, by: User | None) -> list[Payment]:
    """Replace the draft's schedule with one generated from its timing and instalments:
    each instalment split across the charged funding streams, totalling the award."""
    grant = _locked(grant)
    _require_draft(grant, "regenerate its payment schedule")
    charges = list(grant.charges.all())
    if not charges:
        raise ValidationError(
            {"charges": "Charge the grant to a funding stream before making its schedule"}
        )
    dates = instalment_dates(
        grant.start_date, grant.end_date, grant.instalments, grant.payment_timing
    )
    grant.payments.all().delete()
    payments = []
    for charge in charges:
        for number, (due, amount) in enumerate(
            zip(dates, split_evenly(charge.amount, len(dates)), strict=True), start=1
        ):
            if amount > 0:
                payments.append(
                    _save(
                        Payment(
                            grant=grant,
                            charge=charge,
                            instalment=number,
                            due_date=due,
                            amount=amount,
                        ),
                        by=by,
                    )
                )
    return payments


@transaction.atomic
def payment_update(*, payment: Payment, by: User, due_date=None, amount=None) -> Payment:
    """Edit a scheduled payment of a draft grant (the totals are checked at award)."""
    _require_draft(payment.grant, "edit its payment schedule")
    if due_date is not None:
        payment.due_date = due_date
    if amount is not None:
        if amount <= 0:
            raise ValidationError({"amount": "Enter an amount greater than £0"})
        payment.amount = amount
    return _save(payment, by=by)


# --- Award ------------------------------------------------------------------------------


def award_problems(grant: Grant, *, lock: bool = False) -> dict[str, list[str]]:
    """Everything that stops this draft being awarded, by the field it concerns. The
    award itself locks the charged funding streams (``lock=True``) so two awards can't
    both take the last of a stream's headroom; a page that shows the list doesn't."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if grant.status != GrantStatus.DRAFT:
        add("status", f"The grant is already {grant.get_status_display().lower()}")
        return problems
    threshold = settings.DECISION_THRESHOLD
    decision = grant.approving_decision
    if grant.amount > threshold:
        if decision is None:
            add(
                "approving_decision",
                f"Grants over {money(threshold)} need an approved funding-award decision: link one",
            )
        elif decision.decision_type != DecisionType.FUNDING_AWARD:
            add(
                "approving_decision",
                f"{decision.reference} is a {decision.get_decision_type_display().lower()} "
                "decision: a funding-award decision is needed",
            )
        elif decision.status != AssessmentStatus.APPROVED:
            add(
                "approving_decision",
                f"{decision.reference} is {decision.get_status_display().lower()}, not approved",
            )
    charges = list(grant.charges.select_related("funding_stream"))
    if not charges:
        add("charges", "Charge the grant to at least one funding stream")
    elif sum((c.amount for c in charges), ZERO) != grant.amount:
        add("charges", "The amounts charged to funding streams must add up to the grant")
    streams_query = FundingStream.objects.filter(pk__in=[c.funding_stream_id for c in charges])
    if lock:
        streams_query = streams_query.select_for_update(of=("self",))
    streams = {s.pk: s for s in streams_query.with_money()}
    for charge in charges:
        stream = streams[charge.funding_stream_id]
        if charge.amount > stream.headroom_total:
            add(
                "charges",
                f"{stream} has {money(stream.headroom_total)} left, not enough for the "
                f"{money(charge.amount)} charged to it",
            )
    payments = list(grant.payments.exclude(status=PaymentStatus.CANCELLED))
    if not payments:
        add("schedule", "Make the payment schedule")
    elif sum((p.amount for p in payments), ZERO) != grant.amount:
        add(
            "schedule",
            f"The payment schedule adds up to {money(sum((p.amount for p in payments), ZERO))},"
            f" not the {money(grant.amount)} awarded",
        )
    if not grant.dd_organisation_checked:
        add("dd_organisation_checked", "Check the organisation's registration and status")
    if grant.dd_accounts_date is None:
        add("dd_accounts_date", "Record the date of the latest accounts seen")
    elif grant.dd_accounts_date < add_months(timezone.localdate(), -24):
        add("dd_accounts_date", "The latest accounts seen are more than two years old")
    if not grant.dd_safeguarding_policy:
        add("dd_safeguarding_policy", "See the organisation's safeguarding policy")
    if not grant.dd_fraud_risk:
        add("dd_fraud_risk", "Rate the fraud risk")
    if (
        grant.annual_value > settings.PROCUREMENT_SERVICE_THRESHOLD
        and not grant.procurement_route_justification.strip()
    ):
        add(
            "procurement_route_justification",
            f"At {money(grant.annual_value)} a year this is over "
            f"{money(settings.PROCUREMENT_SERVICE_THRESHOLD)}, where the strategy expects "
            "the South West Police Procurement route: record why it is a grant",
        )
    return problems


@transaction.atomic
def grant_award(*, grant: Grant, by: User, award_date: datetime.date | None = None) -> Grant:
    grant = _locked(grant)
    problems = award_problems(grant, lock=True)
    if problems:
        raise ValidationError(problems)
    grant.status = GrantStatus.AWARDED
    grant.award_date = award_date or timezone.localdate()
    return _save(grant, by=by)


@transaction.atomic
def grant_activate(*, grant: Grant, by: User | None) -> Grant:
    grant = _locked(grant)
    if grant.status != GrantStatus.AWARDED:
        raise ValidationError("Only an awarded grant can become active")
    grant.status = GrantStatus.ACTIVE
    _save(grant, by=by)
    announce(AGREEMENT_CHANGED, agreement=grant, by=by)
    return grant


@transaction.atomic
def grant_close(*, grant: Grant, by: User) -> Grant:
    grant = _locked(grant)
    if grant.status not in (GrantStatus.AWARDED, GrantStatus.ACTIVE):
        raise ValidationError("Only an awarded or active grant can be closed")
    grant.status = GrantStatus.CLOSED
    _cancel_scheduled_payments(grant, by=by)
    return _save(grant, by=by)


@transaction.atomic
def grant_withdraw(*, grant: Grant, by: User, reason: str) -> Grant:
    """Withdraw a grant that has not been paid: its money returns to the streams."""
    grant = _locked(grant)
    if not reason.strip():
        raise ValidationError({"withdrawn_reason": "Enter why the grant is withdrawn"})
    if grant.status in (GrantStatus.CLOSED, GrantStatus.WITHDRAWN):
        raise ValidationError(
            "This grant is already %(status)s",
            params={"status": grant.get_status_display().lower()},
        )
    if grant.payments.filter(status=PaymentStatus.PAID).exists():
        raise ValidationError(
            "Payments have been made on this grant, so it can't be withdrawn: close it and "
            "record any underspend to be returned instead"
        )
    grant.status = GrantStatus.WITHDRAWN
    grant.withdrawn_reason = reason.strip()
    _cancel_scheduled_payments(grant, by=by)
    return _save(grant, by=by)


# --- Payments and underspends -----------------------------------------------------------


@transaction.atomic
def payment_mark_paid(
    *, payment: Payment, by: User, paid_date: datetime.date, payment_reference: str
) -> Payment:
    payment = Payment.objects.select_for_update().select_related("grant").get(pk=payment.pk)
    if payment.grant.status not in (GrantStatus.AWARDED, GrantStatus.ACTIVE):
        raise ValidationError(
            "Payments are made only on awarded or active grants; this one is %(status)s",
            params={"status": payment.grant.get_status_display().lower()},
        )
    if payment.status != PaymentStatus.SCHEDULED:
        raise ValidationError(
            "This payment is already %(status)s",
            params={"status": payment.get_status_display().lower()},
        )
    if not payment_reference.strip():
        raise ValidationError({"payment_reference": "Enter the payment reference"})
    payment.status = PaymentStatus.PAID
    payment.paid_date = paid_date
    payment.payment_reference = payment_reference.strip()
    return _save(payment, by=by)


@transaction.atomic
def underspend_record(
    *,
    grant: Grant,
    charge: GrantCharge,
    by: User,
    amount: Decimal,
    recorded_on: datetime.date,
    note: str = "",
) -> UnderspendReturn:
    """Record money the recipient returns at year end; it is credited to the charge's
    funding stream (its committed and spent both fall)."""
    grant = _locked(grant)
    if charge.grant_id != grant.pk:
        raise ValidationError({"charge": "Choose one of this grant's funding streams"})
    paid = sum((p.amount for p in charge.payments.filter(status=PaymentStatus.PAID)), ZERO)
    returned = sum((u.amount for u in charge.underspends.all()), ZERO)
    if amount <= 0:
        raise ValidationError({"amount": "Enter an amount greater than £0"})
    if amount > paid - returned:
        raise ValidationError(
            {
                "amount": ValidationError(
                    "Only %(available)s has been paid from this funding stream and not returned",
                    params={"available": money(paid - returned)},
                )
            }
        )
    return _save(
        UnderspendReturn(
            grant=grant,
            charge=charge,
            amount=amount,
            recorded_on=recorded_on,
            note=note,
            recorded_by=by,
        ),
        by=by,
    )


# --- Local allocations ------------------------------------------------------------------


def allocation_preview(
    *, total: Decimal, areas: list[Area], population_weight: Decimal, crime_weight: Decimal
):
    """The split to the penny, with the figures behind each share; nothing is saved."""
    figures = [AreaFigures(area, area.population, area.recorded_crime) for area in areas]
    try:
        return split(total, figures, population_weight, crime_weight)
    except ValueError as error:
        raise ValidationError(str(error)) from error


@transaction.atomic
def allocation_create(
    *,
    by: User,
    title: str,
    total: Decimal,
    areas: list[Area],
    population_weight: Decimal,
    crime_weight: Decimal,
    **fields: Any,
) -> LocalAllocation:
    shares = allocation_preview(
        total=total, areas=areas, population_weight=population_weight, crime_weight=crime_weight
    )
    allocation = _save(
        LocalAllocation(
            title=title,
            total=total,
            population_weight=population_weight,
            crime_weight=crime_weight,
            created_by=by,
            **fields,
        ),
        by=by,
    )
    for share in shares:
        area = share.key
        AllocationShare.objects.create(
            allocation=allocation,
            area=area,
            population=area.population,
            population_year=area.population_year,
            population_source=area.population_source,
            recorded_crime=area.recorded_crime,
            crime_year=area.crime_year,
            crime_source=area.crime_source,
            weight=share.weight.quantize(Decimal("0.0000000001")),
            amount=share.amount,
        )
    return allocation


@transaction.atomic
def allocation_create_grants(
    *,
    allocation: LocalAllocation,
    by: User,
    programme=None,
    workstream=None,
    **common: Any,
) -> list[Grant]:
    """One draft grant per area's recipient, all in one transaction, linked to the
    allocation (and charged to its funding stream, when it has one)."""
    shares = list(allocation.shares.select_related("area", "area__allocation_recipient"))
    missing = [s.area.name for s in shares if s.area.allocation_recipient_id is None]
    if missing:
        raise ValidationError(
            "These areas have no allocation recipient: %(areas)s. An administrator sets "
            "each area's recipient.",
            params={"areas": ", ".join(missing)},
        )
    if allocation.grants.exists():
        raise ValidationError("Draft grants have already been made from this allocation")
    grants = []
    for share in shares:
        if share.amount <= 0:
            continue
        charges = [(allocation.funding_stream, share.amount)] if allocation.funding_stream else []
        grants.append(
            grant_create(
                by=by,
                charges=charges,
                title=f"{allocation.title}: {share.area.name}",
                recipient=share.area.allocation_recipient,
                beneficiary_area=share.area,
                amount=share.amount,
                allocation=allocation,
                programme=programme or allocation.programme,
                workstream=workstream or allocation.workstream,
                **common,
            )
        )
    return grants


# --- Onward grants ----------------------------------------------------------------------


@transaction.atomic
def onward_grant_add(*, parent: Grant, by: User, **fields: Any) -> OnwardGrant:
    parent = _locked(parent)
    amount = fields.get("amount") or ZERO
    already = sum((g.amount for g in parent.onward_grants.all()), ZERO)
    if already + amount > parent.amount:
        raise ValidationError(
            {
                "amount": ValidationError(
                    "Onward grants would total %(total)s, more than the %(parent)s grant "
                    "they come from",
                    params={"total": money(already + amount), "parent": money(parent.amount)},
                )
            }
        )
    return _save(OnwardGrant(parent=parent, **fields), by=by)
