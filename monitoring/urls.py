"""Monitoring pages under /returns/: the provider's returns (``urls_returns``), the
office's review, schedules and underspends (``urls_office``), and the concerns log and
funder returns (``urls_funder``)."""

from django.urls import include, path

urlpatterns = [
    path("", include("monitoring.urls_returns")),
    path("", include("monitoring.urls_office")),
    path("", include("monitoring.urls_funder")),
]
