"""The public pages, mounted at the site's root. The open-data addresses are a public
interface that others link to and download from: keep them as they are."""

from django.urls import path

from . import views_public as views

urlpatterns = [
    # Open data.
    path("open-data/", views.OpenDataView.as_view(), name="open-data"),
    path("open-data/grants.json", views.GrantsJsonView.as_view(), name="open-data-grants-json"),
    path("open-data/grants.csv", views.GrantsCsvView.as_view(), name="open-data-grants-csv"),
    path(
        "open-data/contracts.json",
        views.ContractsJsonView.as_view(),
        name="open-data-contracts-json",
    ),
    # Funding awarded.
    path("funding-awarded/", views.FundingAwardedView.as_view(), name="funding-awarded"),
    path(
        "funding-awarded/export/",
        views.FundingAwardedExportView.as_view(),
        name="funding-awarded-export",
    ),
    # Opportunities, and signing up for emails about them.
    path("opportunities/", views.OpportunityListView.as_view(), name="opportunity-list"),
    path(
        "opportunities/closed/",
        views.ClosedOpportunityListView.as_view(),
        name="opportunity-closed-list",
    ),
    path(
        "opportunities/<int:pk>/", views.OpportunityDetailView.as_view(), name="opportunity-detail"
    ),
    path("opportunities/sign-up/", views.SubscribeView.as_view(), name="subscription-create"),
    path(
        "opportunities/sign-up/check-your-email/",
        views.SubscribeCheckEmailView.as_view(),
        name="subscription-check-email",
    ),
    path(
        "opportunities/sign-up/confirm/<str:token>/",
        views.SubscriptionConfirmView.as_view(),
        name="subscription-confirm",
    ),
    path(
        "opportunities/unsubscribe/<str:token>/",
        views.UnsubscribeView.as_view(),
        name="subscription-unsubscribe",
    ),
    # Officers' pages.
    path(
        "opportunities/manage/",
        views.OpportunityManageListView.as_view(),
        name="opportunity-manage",
    ),
    path(
        "opportunities/manage/new/",
        views.OpportunityCreateView.as_view(),
        name="opportunity-create",
    ),
    path(
        "opportunities/manage/<int:pk>/",
        views.OpportunityManageDetailView.as_view(),
        name="opportunity-manage-detail",
    ),
    path(
        "opportunities/manage/<int:pk>/edit/",
        views.OpportunityUpdateView.as_view(),
        name="opportunity-edit",
    ),
    path(
        "opportunities/manage/<int:pk>/publish/",
        views.OpportunityPublishView.as_view(),
        name="opportunity-publish",
    ),
    path(
        "opportunities/manage/<int:pk>/withdraw/",
        views.OpportunityWithdrawView.as_view(),
        name="opportunity-withdraw",
    ),
]
