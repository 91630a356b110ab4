"""The concerns and complaints log, and funder returns (mounted at /returns/)."""

from django.urls import path

from . import views_concerns, views_funder

urlpatterns = [
    path(
        "funder-returns/",
        views_funder.FunderReturnView.as_view(),
        name="funder-return",
    ),
    path(
        "funder-returns/download/",
        views_funder.FunderReturnDownloadView.as_view(),
        name="funder-return-download",
    ),
    path("concerns/", views_concerns.ConcernListView.as_view(), name="concern-list"),
    path("concerns/export/", views_concerns.ConcernExportView.as_view(), name="concern-export"),
    path(
        "concerns/new/grant/<int:grant_pk>/",
        views_concerns.GrantConcernCreateView.as_view(),
        name="concern-create-grant",
    ),
    path(
        "concerns/new/contract/<int:contract_pk>/",
        views_concerns.ContractConcernCreateView.as_view(),
        name="concern-create-contract",
    ),
    path("concerns/<int:pk>/", views_concerns.ConcernDetailView.as_view(), name="concern-detail"),
    path(
        "concerns/<int:pk>/edit/", views_concerns.ConcernUpdateView.as_view(), name="concern-edit"
    ),
]
