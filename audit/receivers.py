"""What the audit log hears without being asked: sign-ins, sign-outs, failed sign-ins,
django-axes lock-outs, and (through django-simple-history's signal, so no service has
to call anything) every state change of decisions, grants, contracts and returns."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction

from . import events
from .writer import record

#: Records whose ``status`` is their state: model label -> the word used in events.
STATUS_RECORDS = {
    "decisions.DecisionAssessment": "assessment",
    "grants.Grant": "grant",
    "monitoring.MonitoringReturn": "return",
}
CONTRACT = "contracts.Contract"
VARIATION = "contracts.Variation"
AUDITED = {*STATUS_RECORDS, CONTRACT, VARIATION}


def on_sign_in(sender, request, user, **kwargs):
    record(events.SIGN_IN, user=user, request=request)


def on_sign_out(sender, request, user, **kwargs):
    record(events.SIGN_OUT, user=user, request=request)


def on_sign_in_failed(sender, credentials, request=None, **kwargs):
    typed = str(credentials.get("username") or credentials.get("email") or "")[:255]
    user = None
    if typed:
        user = get_user_model()._default_manager.filter(email__iexact=typed).first()
    record(events.SIGN_IN_FAILED, user=user, request=request, user_label=typed)


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    if not username and request is not None:
        # axes may be set to lock out by address alone: name the account tried anyway.
        credentials = getattr(request, "axes_credentials", None) or {}
        username = credentials.get("username") or request.POST.get("username", "")
    typed = str(username or "")[:255]
    user = None
    if typed:
        user = get_user_model()._default_manager.filter(email__iexact=typed).first()
    record(
        events.LOCKED_OUT,
        user=user,
        request=request,
        user_label=typed,
        ip_address=ip_address or None,
    )


def _request():
    from simple_history.models import HistoricalRecords

    return getattr(HistoricalRecords.context, "request", None)


def _changes(label: str, history_instance) -> tuple[str, dict]:
    """For a changed record: (event, details), or ("", {}) when no audited state moved."""
    previous = history_instance.prev_record
    if previous is None:
        return "", {}
    if label in STATUS_RECORDS:
        if previous.status == history_instance.status:
            return "", {}
        return f"{STATUS_RECORDS[label]}.status_changed", {
            "from": previous.status,
            "to": history_instance.status,
        }
    # A contract has no status: going live, its end date and termination are its state.
    if previous.terminated_on is None and history_instance.terminated_on is not None:
        return "contract.terminated", {
            "terminated_on": history_instance.terminated_on,
            "reason": history_instance.termination_reason,
        }
    if previous.went_live_on is None and history_instance.went_live_on is not None:
        return "contract.went_live", {"went_live_on": history_instance.went_live_on}
    if previous.end_date != history_instance.end_date:
        longer = history_instance.end_date > previous.end_date
        return "contract.extended" if longer else "contract.end_date_changed", {
            "from": previous.end_date,
            "to": history_instance.end_date,
        }
    return "", {}


def on_history(sender, instance, history_instance, history_user=None, **kwargs):
    label = instance._meta.label
    if label not in AUDITED:
        return
    request = _request()
    kind = history_instance.history_type
    when = history_instance.history_date
    if label == VARIATION:
        if kind == "+":
            record(
                "contract.varied",
                user=history_user,
                request=request,
                target=instance.contract,
                at=when,
                variation=instance.pk,
                description=instance.description[:500],
                value_effect=instance.value_effect,
                effective_on=instance.effective_on,
            )
        return
    noun = STATUS_RECORDS.get(label, "contract")
    if kind == "+":
        # A new record is given its final reference just after it is saved
        # (commissioning.history.set_reference_quietly): name it once that is done.
        details = {"status": instance.status} if label in STATUS_RECORDS else {}
        transaction.on_commit(
            lambda: record(
                f"{noun}.created",
                user=history_user,
                request=request,
                target=instance,
                at=when,
                **details,
            )
        )
        return
    if kind == "-":
        record(f"{noun}.deleted", user=history_user, request=request, target=instance, at=when)
        return
    event, details = _changes(label, history_instance)
    if event:
        record(event, user=history_user, request=request, target=instance, at=when, **details)


def connect() -> None:
    user_logged_in.connect(on_sign_in, dispatch_uid="audit-sign-in")
    user_logged_out.connect(on_sign_out, dispatch_uid="audit-sign-out")
    user_login_failed.connect(on_sign_in_failed, dispatch_uid="audit-sign-in-failed")
    if apps.is_installed("simple_history"):
        from simple_history.signals import post_create_historical_record

        post_create_historical_record.connect(on_history, dispatch_uid="audit-history")
    if apps.is_installed("axes"):
        from axes.signals import user_locked_out

        user_locked_out.connect(on_locked_out, dispatch_uid="audit-locked-out")
