from django.urls import include, path

from . import views

urlpatterns: list = [
    path("allocations/", include("grants.urls_allocations")),
    path("import/", include("grants.urls_import")),
    path("", views.GrantListView.as_view(), name="grant-list"),
    path("export/", views.GrantExportView.as_view(), name="grant-export"),
    path("new/", views.GrantCreateView.as_view(), name="grant-create"),
    path("<int:pk>/", views.GrantDetailView.as_view(), name="grant-detail"),
    path("<int:pk>/edit/", views.GrantUpdateView.as_view(), name="grant-edit"),
    path("<int:pk>/agreement/", views.AgreementDownloadView.as_view(), name="grant-agreement"),
    path(
        "<int:pk>/schedule/generate/",
        views.ScheduleGenerateView.as_view(),
        name="grant-schedule-generate",
    ),
    path("<int:pk>/award/", views.AwardView.as_view(), name="grant-award"),
    path("<int:pk>/activate/", views.ActivateView.as_view(), name="grant-activate"),
    path("<int:pk>/close/", views.CloseView.as_view(), name="grant-close"),
    path("<int:pk>/withdraw/", views.WithdrawView.as_view(), name="grant-withdraw"),
    path("<int:pk>/underspends/new/", views.UnderspendView.as_view(), name="grant-underspend"),
    path(
        "<int:pk>/onward/new/",
        views.OnwardGrantCreateView.as_view(),
        name="grant-onward-create",
    ),
    path(
        "<int:pk>/payments/<int:payment_pk>/edit/",
        views.PaymentEditView.as_view(),
        name="grant-payment-edit",
    ),
    path(
        "<int:pk>/payments/<int:payment_pk>/paid/",
        views.PaymentPaidView.as_view(),
        name="grant-payment-paid",
    ),
]
