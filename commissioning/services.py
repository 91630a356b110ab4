"""Changes to users, organisations and funding streams. Each is one transaction, validates
the row with ``full_clean()`` and records who made it in the row's history."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import FundingStream, Organisation, OrganisationContact, Role, User


def _save(instance, *, by: User | None):
    instance.full_clean()
    instance._history_user = by
    instance.save()
    return instance


def _apply(instance, fields: dict[str, Any]):
    for name, value in fields.items():
        setattr(instance, name, value)
    return instance


# --- Users -------------------------------------------------------------------------------


def _sync_groups(user: User) -> None:
    user.groups.set([Group.objects.get_or_create(name=Role(user.role).label)[0]])


@transaction.atomic
def user_create(
    *,
    email: str,
    full_name: str,
    role: Role,
    password: str | None = None,
    organisation: Organisation | None = None,
    job_title: str = "",
    by: User | None = None,
) -> User:
    user = User(
        email=User.objects.normalize_email(email).lower(),
        full_name=full_name,
        role=role,
        organisation=organisation,
        job_title=job_title,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    _save(user, by=by)
    _sync_groups(user)
    return user


@transaction.atomic
def user_set_role(
    *, user: User, role: Role, organisation: Organisation | None = None, by: User | None
) -> User:
    """Give ``user`` a new role; a provider belongs to ``organisation``, nobody else does."""
    user.role = role
    user.organisation = organisation if role == Role.PROVIDER else None
    user.is_staff = user.is_superuser = role == Role.ADMIN
    _save(user, by=by)
    _sync_groups(user)
    return user


# --- Organisations ----------------------------------------------------------------------


def check_identifier_free(identifier: str, *, exclude_pk: int | None) -> None:
    if not identifier:
        return
    existing = Organisation.objects.filter(identifier=identifier).exclude(pk=exclude_pk).first()
    if existing is not None:
        raise ValidationError(
            {
                "identifier": ValidationError(
                    "%(identifier)s is already the identifier of %(name)s. "
                    "Edit that organisation instead of adding it again.",
                    code="duplicate",
                    params={"identifier": identifier, "name": existing.name},
                )
            }
        )


@transaction.atomic
def organisation_create(*, by: User, **fields: Any) -> Organisation:
    check_identifier_free(fields.get("identifier", ""), exclude_pk=None)
    return _save(Organisation(**fields), by=by)


@transaction.atomic
def organisation_update(*, organisation: Organisation, by: User, **fields: Any) -> Organisation:
    check_identifier_free(fields.get("identifier", ""), exclude_pk=organisation.pk)
    return _save(_apply(organisation, fields), by=by)


@transaction.atomic
def contact_create(*, organisation: Organisation, by: User, **fields: Any) -> OrganisationContact:
    return _save(OrganisationContact(organisation=organisation, **fields), by=by)


@transaction.atomic
def contact_update(*, contact: OrganisationContact, by: User, **fields: Any) -> OrganisationContact:
    return _save(_apply(contact, fields), by=by)


@transaction.atomic
def contact_remove(*, contact: OrganisationContact, by: User) -> None:
    contact._history_user = by
    contact.delete()


# --- Funding streams --------------------------------------------------------------------


@transaction.atomic
def funding_stream_create(*, by: User, **fields: Any) -> FundingStream:
    return _save(FundingStream(**fields), by=by)


@transaction.atomic
def funding_stream_update(
    *, funding_stream: FundingStream, by: User, **fields: Any
) -> FundingStream:
    funding_stream = FundingStream.objects.select_for_update().get(pk=funding_stream.pk)
    _apply(funding_stream, fields)
    committed = funding_stream.committed
    if funding_stream.amount is not None and funding_stream.amount < committed:
        raise ValidationError(
            {
                "amount": ValidationError(
                    "The amount cannot be less than the £%(committed)s already committed "
                    "from this funding stream.",
                    code="below_committed",
                    params={"committed": f"{committed:,.2f}"},
                )
            }
        )
    return _save(funding_stream, by=by)
