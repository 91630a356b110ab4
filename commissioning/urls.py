from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from .views import (
    accessibility,
    accounts,
    dashboard,
    funding,
    health,
    mfa,
    notifications,
    organisations,
)

account_patterns = [
    path("sign-in/", accounts.SignInView.as_view(), name="login"),
    path("sign-out/", accounts.SignOutView.as_view(), name="logout"),
    path("sign-in/code/", mfa.SignInCodeView.as_view(), name="sign-in-code"),
    path("sign-in/set-up/", mfa.SignInSetUpView.as_view(), name="sign-in-set-up"),
    path("security/", mfa.AccountSecurityView.as_view(), name="account-security"),
    path("security/set-up/", mfa.MFASetUpView.as_view(), name="mfa-setup"),
    path("security/recovery-codes/", mfa.RecoveryCodesView.as_view(), name="mfa-recovery-codes"),
    path("security/turn-off/", mfa.MFATurnOffView.as_view(), name="mfa-turn-off"),
    path("confirm-password/", mfa.ReauthenticateView.as_view(), name="reauthenticate"),
    path("password/change/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        accounts.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        accounts.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        accounts.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

organisation_patterns = [
    path("", organisations.OrganisationListView.as_view(), name="organisation-list"),
    path("new/", organisations.OrganisationCreateView.as_view(), name="organisation-create"),
    path("export/", organisations.OrganisationExportView.as_view(), name="organisation-export"),
    path("<int:pk>/", organisations.OrganisationDetailView.as_view(), name="organisation-detail"),
    path(
        "<int:pk>/edit/", organisations.OrganisationUpdateView.as_view(), name="organisation-edit"
    ),
    path(
        "<int:pk>/contacts/new/",
        organisations.ContactCreateView.as_view(),
        name="organisation-contact-create",
    ),
    path(
        "<int:pk>/contacts/<int:contact_pk>/edit/",
        organisations.ContactUpdateView.as_view(),
        name="organisation-contact-edit",
    ),
    path(
        "<int:pk>/contacts/<int:contact_pk>/remove/",
        organisations.ContactRemoveView.as_view(),
        name="organisation-contact-remove",
    ),
]

funding_patterns = [
    path("", funding.FundingStreamListView.as_view(), name="funding-stream-list"),
    path("new/", funding.FundingStreamCreateView.as_view(), name="funding-stream-create"),
    path("export/", funding.FundingStreamExportView.as_view(), name="funding-stream-export"),
    path("<int:pk>/", funding.FundingStreamDetailView.as_view(), name="funding-stream-detail"),
    path("<int:pk>/edit/", funding.FundingStreamUpdateView.as_view(), name="funding-stream-edit"),
]

# Django admin signs people in through the portal's sign-in, two-factor included.
admin.site.login = accounts.admin_sign_in

urlpatterns = [
    path("", dashboard.DashboardView.as_view(), name="dashboard"),
    path("healthz", health.HealthView.as_view(), name="healthz"),
    path(
        "accessibility/",
        accessibility.AccessibilityStatementView.as_view(),
        name="accessibility-statement",
    ),
    path("account/", include(account_patterns)),
    path("notifications/", notifications.NotificationListView.as_view(), name="notification-list"),
    path(
        "notifications/read/",
        notifications.NotificationReadAllView.as_view(),
        name="notification-read-all",
    ),
    path("organisations/", include(organisation_patterns)),
    path("funding-streams/", include(funding_patterns)),
    path("workstreams/", include("workstreams.urls")),
    path("decisions/", include("decisions.urls")),
    path("grants/", include("grants.urls")),
    path("contracts/", include("contracts.urls")),
    path("returns/", include("monitoring.urls")),
    path("", include("reports.urls")),
    path("admin/", admin.site.urls),  # its login page is the portal's (two-factor) sign-in
]

if settings.BENCHMARK_FLOOR_VIEW:
    # benchmarks/load.py's floor: on only in benchmarks/settings.py, never in production.
    from .views import floor

    urlpatterns.append(
        path("_benchmark/floor/<int:pk>/", floor.FloorView.as_view(), name="benchmark-floor")
    )

# A database that cannot be reached answers 503 (commissioning/middleware_db.py).
handler500 = "commissioning.middleware_db.server_error"

admin.site.site_header = "Commissioning portal administration"
admin.site.site_title = "Commissioning portal administration"
