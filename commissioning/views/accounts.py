"""Sign in, sign out and passwords: Django's auth views with GOV.UK forms and templates."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from ..access import Access, PortalAccessMixin
from ..forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm, SignInForm


class SignInView(auth_views.LoginView):
    access = Access.PUBLIC
    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class SignOutView(PortalAccessMixin, auth_views.LogoutView):
    access = Access.ACCOUNT


class PasswordChangeView(PortalAccessMixin, auth_views.PasswordChangeView):
    access = Access.ACCOUNT
    form_class = PasswordChangeForm
    success_url = reverse_lazy("password_change_done")


class PasswordChangeDoneView(PortalAccessMixin, auth_views.PasswordChangeDoneView):
    access = Access.ACCOUNT


class PasswordResetView(auth_views.PasswordResetView):
    access = Access.PUBLIC
    form_class = PasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    access = Access.PUBLIC


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    access = Access.PUBLIC
    form_class = SetPasswordForm


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    access = Access.PUBLIC
