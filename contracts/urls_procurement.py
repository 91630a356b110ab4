"""Procurement pages, mounted at /contracts/procurements/."""

from django.urls import path

from . import views_procurement as views

urlpatterns = [
    path("", views.ProcurementListView.as_view(), name="procurement-list"),
    path("export/", views.ProcurementExportView.as_view(), name="procurement-export"),
    path("new/", views.ProcurementCreateView.as_view(), name="procurement-create"),
    path("<int:pk>/", views.ProcurementDetailView.as_view(), name="procurement-detail"),
    path("<int:pk>/edit/", views.ProcurementUpdateView.as_view(), name="procurement-edit"),
    path(
        "<int:pk>/evaluation.xlsx",
        views.EvaluationExportView.as_view(),
        name="procurement-evaluation-export",
    ),
    path(
        "<int:pk>/questions/new/", views.QuestionAddView.as_view(), name="procurement-question-add"
    ),
    path("<int:pk>/bids/new/", views.BidAddView.as_view(), name="procurement-bid-add"),
    path(
        "<int:pk>/bids/<int:bid_pk>/suitability/",
        views.SuitabilityView.as_view(),
        name="procurement-bid-suitability",
    ),
    path(
        "<int:pk>/bids/<int:bid_pk>/scores/",
        views.PanelScoreView.as_view(),
        name="procurement-bid-scores",
    ),
    path(
        "<int:pk>/bids/<int:bid_pk>/moderation/",
        views.ModerationView.as_view(),
        name="procurement-bid-moderation",
    ),
    path("<int:pk>/award/", views.AwardView.as_view(), name="procurement-award"),
]
