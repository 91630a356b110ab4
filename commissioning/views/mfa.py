"""Two-factor authentication pages: the code step of signing in, setting up an
authenticator app, recovery codes, and confirming one's password before a change.
The rules are in commissioning/mfa.py."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login

from .. import mfa
from ..access import Access, PortalAccessMixin

logger = logging.getLogger("commissioning.security")


def _expired(request):
    """A pending sign-in that has run out (or never began): sign in again. A page, not
    a redirect, so it says why."""
    return render(request, "registration/sign_in_expired.html")


class PendingSignInMixin:
    """For the steps after the password: the user is not signed in yet."""

    access = Access.PUBLIC

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("dashboard")
        self.user = mfa.pending_user(request)
        if self.user is None:
            return _expired(request)
        return super().dispatch(request, *args, **kwargs)


class SignInCodeView(PendingSignInMixin, FormView):
    """Second step of signing in: a code from the authenticator app or a recovery code."""

    form_class = mfa.CodeForm
    template_name = "registration/sign_in_code.html"

    def form_valid(self, form):
        device = mfa.verify_code(self.user, form.cleaned_data["code"])
        if device is None:
            logger.warning("Wrong two-factor code for user %s", self.user.pk)
            if mfa.record_failed_code(self.request):
                messages.error(self.request, "Too many wrong codes. Sign in again.")
                return redirect("login")
            form.add_error("code", "The code is not right. Check your app and try again")
            return self.form_invalid(form)
        used_recovery_code = device.name == mfa.RECOVERY_DEVICE_NAME
        next_url = mfa.complete_sign_in(self.request, self.user, device)
        if used_recovery_code:
            left = mfa.recovery_codes_left(self.user)
            messages.warning(
                self.request,
                f"You signed in with a recovery code. You have {left} left: "
                "get new ones from your account page if you are running out.",
            )
        return redirect(next_url)


class SetUpMixin:
    """Show the QR code and secret of a new authenticator; confirm it with a code."""

    form_class = mfa.SetUpCodeForm
    template_name = "commissioning/account/mfa_set_up.html"

    def get_setup_user(self):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        device = mfa.authenticator_being_set_up(self.get_setup_user())
        context.update(
            qr_code_svg=mfa.qr_code_svg(device),
            secret=mfa.secret_text(device),
            required=mfa.mfa_required(self.get_setup_user()),
        )
        return context

    def form_valid(self, form):
        user = self.get_setup_user()
        device = mfa.authenticator_being_set_up(user)
        codes = mfa.authenticator_confirm(user=user, device=device, code=form.cleaned_data["code"])
        if codes is None:
            form.add_error("code", "The code is not right. Check your app and try again")
            return self.form_invalid(form)
        logger.info("Two-factor authentication turned on for user %s", user.pk)
        self.confirmed(device)
        self.request.session[mfa.NEW_RECOVERY_CODES_KEY] = codes
        return redirect("mfa-recovery-codes")

    def confirmed(self, device):
        pass


class SignInSetUpView(PendingSignInMixin, SetUpMixin, FormView):
    """A manager or administrator without an authenticator sets one up to sign in."""

    def get_setup_user(self):
        return self.user

    def confirmed(self, device):
        next_url = mfa.complete_sign_in(self.request, self.user, device)
        self.request.session["mfa_next"] = next_url


class ReauthenticationRequiredMixin:
    """Changes to MFA need the password entered within the last few minutes."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not mfa.recently_reauthenticated(request):
            return redirect(f"{reverse('reauthenticate')}?next={request.path}")
        return super().dispatch(request, *args, **kwargs)


class AccountSecurityView(PortalAccessMixin, TemplateView):
    access = Access.ACCOUNT
    template_name = "commissioning/account/security.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            has_authenticator=mfa.has_authenticator(user),
            required=mfa.mfa_required(user),
            recovery_codes_left=mfa.recovery_codes_left(user),
            **kwargs,
        )


class MFASetUpView(PortalAccessMixin, ReauthenticationRequiredMixin, SetUpMixin, FormView):
    access = Access.ACCOUNT

    def get_setup_user(self):
        return self.request.user

    def confirmed(self, device):
        otp_login(self.request, device)


class RecoveryCodesView(PortalAccessMixin, FormView):
    """New recovery codes are shown once, straight after they are made."""

    access = Access.ACCOUNT
    form_class = mfa.ConfirmForm
    template_name = "commissioning/account/recovery_codes.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit_label": "Get new recovery codes"}

    def get(self, request, *args, **kwargs):
        codes = request.session.pop(mfa.NEW_RECOVERY_CODES_KEY, None)
        next_url = request.session.pop("mfa_next", None)
        return self.render_to_response(
            self.get_context_data(
                codes=codes,
                next_url=next_url or reverse("account-security"),
                has_authenticator=mfa.has_authenticator(request.user),
                left=mfa.recovery_codes_left(request.user),
            )
        )

    def post(self, request, *args, **kwargs):
        if not mfa.recently_reauthenticated(request):
            return redirect(f"{reverse('reauthenticate')}?next={request.path}")
        if not mfa.has_authenticator(request.user):
            return redirect("account-security")
        request.session[mfa.NEW_RECOVERY_CODES_KEY] = mfa.recovery_codes_replace(user=request.user)
        logger.info("New recovery codes made for user %s", request.user.pk)
        return redirect("mfa-recovery-codes")


class MFATurnOffView(PortalAccessMixin, ReauthenticationRequiredMixin, FormView):
    access = Access.ACCOUNT
    form_class = mfa.ConfirmForm
    template_name = "commissioning/account/mfa_turn_off.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit_label": "Turn off two-factor authentication"}

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and mfa.mfa_required(request.user):
            messages.error(
                request,
                "Your role needs two-factor authentication: you can set up a new "
                "authenticator app, but not turn it off.",
            )
            return redirect("account-security")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        mfa.mfa_turn_off(user=self.request.user)
        logger.info("Two-factor authentication turned off for user %s", self.request.user.pk)
        messages.success(self.request, "Two-factor authentication is off")
        return redirect("account-security")


class ReauthenticateView(PortalAccessMixin, FormView):
    """Enter the password again before changing how one signs in."""

    access = Access.ACCOUNT
    form_class = mfa.ConfirmPasswordForm
    template_name = "commissioning/account/reauthenticate.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        mfa.mark_reauthenticated(self.request)
        next_url = self.request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            next_url,
            allowed_hosts={self.request.get_host()},
            require_https=self.request.is_secure(),
        ):
            next_url = reverse("account-security")
        return redirect(next_url)
