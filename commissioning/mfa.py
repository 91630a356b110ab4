"""Two-factor sign-in (django-otp): a code from an authenticator app (TOTP) or a
recovery code (django-otp's static tokens, each works once).

Signing in is two steps. The password step does not sign anyone in: it records a
*pending* sign-in in the session (``begin_pending``). The user is signed in only when
they give a code (``SignInCodeView``) or, if their role requires MFA and they have no
authenticator yet, when they set one up (``SignInSetUpView``). So a session that has
passed the password alone is never a signed-in session, for any page, the Django admin
included (its own login page sends people to the portal's sign-in).

Managers, administrators and anyone with Django-admin access must use MFA; everyone
else may turn it on from their account page. Changing MFA needs the password entered
within the last ``REAUTHENTICATION_SECONDS`` (``recently_reauthenticated``).
"""

from __future__ import annotations

import base64
import time
from typing import Any

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .forms import PortalForm
from .models import Role

PENDING_KEY = "mfa_pending_sign_in"
REAUTHENTICATED_AT_KEY = "reauthenticated_at"
NEW_RECOVERY_CODES_KEY = "mfa_new_recovery_codes"
#: A pending sign-in (password given, code not yet) lasts this long.
PENDING_SECONDS = 10 * 60
#: Wrong codes allowed in one pending sign-in before the password must be given again.
PENDING_MAX_FAILURES = 5
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
MFA_ROLES = frozenset({Role.MANAGER, Role.ADMIN})


# --- Who needs it and who has it --------------------------------------------------------


def mfa_required(user) -> bool:
    return user.role in MFA_ROLES or user.is_staff or user.is_superuser


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- Pending sign-in --------------------------------------------------------------------


def begin_pending(request, user, *, redirect_to: str) -> None:
    """The password was right: remember who is signing in, but don't sign them in."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user_id": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
        "next": redirect_to,
        "started": int(time.time()),
        "failures": 0,
    }
    request.session[REAUTHENTICATED_AT_KEY] = int(time.time())


def pending_user(request):
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["started"] > PENDING_SECONDS:
        return None
    return get_user_model().objects.filter(pk=pending["user_id"], is_active=True).first()


def record_failed_code(request) -> bool:
    """Count a wrong code; True when the pending sign-in is abandoned."""
    pending = request.session[PENDING_KEY]
    pending["failures"] += 1
    request.session[PENDING_KEY] = pending
    if pending["failures"] >= PENDING_MAX_FAILURES:
        del request.session[PENDING_KEY]
        return True
    return False


def complete_sign_in(request, user, device) -> str:
    """Sign the pending user in, verified by ``device``; returns where to go next."""
    pending = request.session.pop(PENDING_KEY)
    auth.login(request, user, backend=pending["backend"])
    if device is not None:
        otp_login(request, device)
    mark_reauthenticated(request)
    return pending["next"]


def mark_reauthenticated(request) -> None:
    request.session[REAUTHENTICATED_AT_KEY] = int(time.time())


def recently_reauthenticated(request) -> bool:
    at = request.session.get(REAUTHENTICATED_AT_KEY)
    return at is not None and time.time() - at <= settings.REAUTHENTICATION_SECONDS


# --- Codes ------------------------------------------------------------------------------


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def verify_code(user, code: str):
    """The device that accepts ``code`` (an authenticator code, or a recovery code which
    is then used up), or None. django-otp throttles repeated failures per device."""
    code = normalise_code(code)
    if not code:
        return None
    return match_token(user, code)


# --- Setting up and turning off ---------------------------------------------------------


def authenticator_being_set_up(user) -> TOTPDevice:
    """The user's unconfirmed authenticator (a new secret the first time)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def qr_code_svg(device: TOTPDevice) -> str:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


def secret_text(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def authenticator_confirm(*, user, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm a new authenticator with a code from it; returns new recovery codes, or
    None when the code is wrong. Any older authenticator stops working."""
    if device.user_id != user.pk or not device.verify_token(normalise_code(code)):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_replace(user=user)


@transaction.atomic
def recovery_codes_replace(*, user) -> list[str]:
    """A fresh set of recovery codes; the old ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.MFA_RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def mfa_turn_off(*, user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


# --- Forms ------------------------------------------------------------------------------


class CodeForm(PortalForm):
    submit_label = "Continue"
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        error_messages={"required": "Enter the code from your authenticator app"},
    )
    field_widths = {"code": 10}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {"autocomplete": "one-time-code", "spellcheck": "false"}
        )


class SetUpCodeForm(CodeForm):
    submit_label = "Turn on two-factor authentication"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = "The 6-digit code your authenticator app shows now."


class ConfirmPasswordForm(PortalForm):
    submit_label = "Continue"
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )

    def __init__(self, *args, request, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_password(self) -> Any:
        # Through authenticate() so that django-axes counts wrong passwords here too.
        password = self.cleaned_data["password"]
        user = auth.authenticate(self.request, username=self.request.user.email, password=password)
        if user is None or user.pk != self.request.user.pk:
            raise forms.ValidationError("The password is not right", code="invalid")
        return password


class ConfirmForm(PortalForm):
    submit_label = "Continue"

    def __init__(self, *args, submit_label: str = "Continue", **kwargs):
        self.submit_label = submit_label
        super().__init__(*args, **kwargs)
