"""The reports app in Django's admin."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Opportunity, OpportunityEmail, ReportJob, Subscriber

# --- Public pages: opportunities and subscriptions (helper R1) --------------------------
# Opportunities change on the portal, through reports/services_public.py (publishing
# emails subscribers); here they are read-only. Subscribers may be removed on request
# (their address is personal data); sends are a read-only log.


@admin.register(Opportunity)
class OpportunityAdmin(SimpleHistoryAdmin):
    list_display = ("title", "status", "closing_date", "published_at", "estimated_value")
    list_filter = ("status",)
    search_fields = ("title", "summary")
    date_hierarchy = "closing_date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("email", "status", "created_at", "confirmed_at", "unsubscribed_at")
    list_filter = ("status",)
    search_fields = ("email",)
    readonly_fields = (
        "email",
        "status",
        "created_at",
        "confirmation_sent_at",
        "confirmed_at",
        "unsubscribed_at",
    )
    exclude = ("token",)

    def has_add_permission(self, request):
        return False


@admin.register(OpportunityEmail)
class OpportunityEmailAdmin(admin.ModelAdmin):
    list_display = ("opportunity", "subscriber", "claimed_at", "sent_at")
    list_select_related = ("opportunity", "subscriber")
    search_fields = ("opportunity__title", "subscriber__email")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- End of the public pages' block -----------------------------------------------------


# --- Report jobs ------------------------------------------------------------------------


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    """Report jobs are asked for on the portal and built by Celery: read-only here."""

    list_display = (
        "title",
        "kind",
        "status",
        "requested_by",
        "requested_at",
        "organisation",
        "pages",
        "size",
    )
    list_filter = ("kind", "status")
    list_select_related = ("requested_by", "organisation")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
