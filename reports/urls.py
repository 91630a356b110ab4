"""The public pages and open data (``urls_public``) and the report jobs (``urls_jobs``)."""

from django.urls import include, path

urlpatterns = [
    path("", include("reports.urls_public")),
    path("reports/", include("reports.urls_jobs")),
]
