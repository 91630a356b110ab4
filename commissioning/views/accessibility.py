"""The portal's accessibility statement: public, in the shape of GOV.UK's model statement
for public sector websites."""

from __future__ import annotations

import datetime

from django.views.generic import TemplateView

from ..access import Access, PortalAccessMixin

#: When the statement was first prepared and when it was last reviewed: update
#: ``REVIEWED_ON`` whenever the statement is checked against the portal again.
PREPARED_ON = datetime.date(2026, 11, 24)
REVIEWED_ON = datetime.date(2026, 11, 24)
#: The standard the portal is tested against.
WCAG_VERSION = "2.2"


class AccessibilityStatementView(PortalAccessMixin, TemplateView):
    access = Access.PUBLIC
    http_method_names = ["get", "head", "options"]
    template_name = "commissioning/accessibility.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            prepared_on=PREPARED_ON,
            reviewed_on=REVIEWED_ON,
            wcag_version=WCAG_VERSION,
        )
        return context
