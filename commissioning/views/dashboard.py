from __future__ import annotations

from django.views.generic import TemplateView

from ..access import Access, PortalAccessMixin
from ..dashboard import panels_for
from ..models import Role

HEADINGS = {
    Role.OFFICER: "Officer dashboard",
    Role.MANAGER: "Manager dashboard",
    Role.PROVIDER: "Your agreements and returns",
    Role.VIEWER: "Commissioning overview",
    Role.ADMIN: "Administrator dashboard",
}


class DashboardView(PortalAccessMixin, TemplateView):
    access = Access.SIGNED_IN
    template_name = "commissioning/dashboard.html"
    http_method_names = ["get", "head", "options"]
    page_cache = True

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            heading=HEADINGS[Role(user.role)], panels=panels_for(user), **kwargs
        )
