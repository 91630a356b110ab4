"""The report jobs, mounted at /reports/."""

from django.urls import path

from . import views_jobs

urlpatterns = [
    path("", views_jobs.ReportJobListView.as_view(), name="report-job-list"),
    path("new/", views_jobs.ReportNewView.as_view(), name="report-job-new"),
    path("ask/", views_jobs.ReportAskView.as_view(), name="report-job-ask"),
    path("<int:pk>/", views_jobs.ReportJobDetailView.as_view(), name="report-job-detail"),
    path(
        "<int:pk>/download/",
        views_jobs.ReportJobDownloadView.as_view(),
        name="report-job-download",
    ),
]
