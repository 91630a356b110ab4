"""The framework's floor, for ``benchmarks/load.py``: what the slowest possible page of
this project can never beat. One indexed primary-key query and a tiny template, through
the project's whole middleware stack.

Routed only when the setting BENCHMARK_FLOOR_VIEW is true (``benchmarks/settings.py``),
so a production installation never exposes it.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.template import engines
from django.views import View

from ..access import Access, PortalAccessMixin
from ..models import Organisation

TEMPLATE = engines["django"].from_string(
    '<!DOCTYPE html><html lang="en"><title>{{ organisation.name }}</title>'
    "<p>{{ organisation.name }}</p></html>"
)


class FloorView(PortalAccessMixin, View):
    access = Access.PUBLIC
    http_method_names = ["get", "head"]

    def get(self, request, pk: int):
        organisation = Organisation.objects.only("name").filter(pk=pk).first()
        if organisation is None:
            raise Http404
        return HttpResponse(TEMPLATE.render({"organisation": organisation}))
