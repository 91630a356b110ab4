"""A provider's returns (and an office editor filling one in for them): the list, the
task list, each section, evidence, and check answers and submit."""

from django.urls import path

from . import views_returns as views

urlpatterns = [
    path("", views.ReturnListView.as_view(), name="return-list"),
    path("export/", views.ReturnExportView.as_view(), name="return-export"),
    path("<int:pk>/", views.ReturnDetailView.as_view(), name="return-detail"),
    path("<int:pk>/finance/", views.FinanceView.as_view(), name="return-finance"),
    path("<int:pk>/performance/", views.PerformanceView.as_view(), name="return-performance"),
    path("<int:pk>/outcomes/", views.OutcomesView.as_view(), name="return-outcomes"),
    path("<int:pk>/narrative/", views.NarrativeView.as_view(), name="return-narrative"),
    path("<int:pk>/evidence/", views.EvidenceView.as_view(), name="return-evidence"),
    path(
        "<int:pk>/evidence/<int:evidence_pk>/",
        views.EvidenceDownloadView.as_view(),
        name="evidence-download",
    ),
    path(
        "<int:pk>/evidence/<int:evidence_pk>/remove/",
        views.EvidenceRemoveView.as_view(),
        name="evidence-remove",
    ),
    path("<int:pk>/check/", views.CheckAnswersView.as_view(), name="return-check"),
]
