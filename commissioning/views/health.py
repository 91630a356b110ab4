from __future__ import annotations

from django.db import transaction
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from ..access import Access, PortalAccessMixin
from ..celery import app as celery_app
from ..health import health_report


@method_decorator([never_cache, transaction.non_atomic_requests], name="dispatch")
class HealthView(PortalAccessMixin, View):
    """JSON for an operator or a load balancer: database, broker and worker reachability."""

    access = Access.PUBLIC
    http_method_names = ["get", "head"]

    def get(self, request):
        report, status = health_report(celery_app)
        return JsonResponse(report, status=status)
