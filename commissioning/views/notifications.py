from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views import View
from django.views.generic import ListView

from ..access import Access, PortalAccessMixin
from ..notifications import notifications_mark_read


class NotificationListView(PortalAccessMixin, ListView):
    """The signed-in user's own notifications, newest first."""

    access = Access.ACCOUNT
    template_name = "commissioning/notification_list.html"
    context_object_name = "notifications"
    paginate_by = 25

    def get_queryset(self):
        return self.request.user.notifications.all()


class NotificationReadAllView(PortalAccessMixin, View):
    access = Access.ACCOUNT
    http_method_names = ["post"]

    def post(self, request):
        count = notifications_mark_read(user=request.user)
        if count:
            messages.success(
                request, f"{count} notification{'s' if count != 1 else ''} marked as read"
            )
        return HttpResponseRedirect(reverse("notification-list"))
