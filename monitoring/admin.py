"""Reference data administrators keep — the outcome frameworks and their measures that
providers report — and, read-only, the returns, reminders and their deliveries: those
change on the portal, through the services, so their history stays whole."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Concern,
    MonitoringReturn,
    OutcomeFramework,
    OutcomeMeasure,
    Reminder,
    ReminderDelivery,
    ReturnSchedule,
)


class OutcomeMeasureInline(admin.TabularInline):
    model = OutcomeMeasure
    extra = 1
    fields = ("order", "name", "unit", "direction", "funder_code", "is_active")


@admin.register(OutcomeFramework)
class OutcomeFrameworkAdmin(SimpleHistoryAdmin):
    list_display = ("name", "funder_return")
    filter_horizontal = ("programmes",)
    inlines = [OutcomeMeasureInline]


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReturnSchedule)
class ReturnScheduleAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "organisation", "frequency", "due_days", "framework")
    list_select_related = ("grant", "contract", "organisation", "framework")
    search_fields = ("grant__reference", "contract__reference", "organisation__name")


@admin.register(MonitoringReturn)
class MonitoringReturnAdmin(ReadOnlyAdmin):
    list_display = ("period_label", "organisation", "due_date", "status")
    list_filter = ("status",)
    list_select_related = ("organisation",)
    search_fields = ("organisation__name", "period_label")
    date_hierarchy = "due_date"


class DeliveryInline(admin.TabularInline):
    model = ReminderDelivery
    extra = 0
    can_delete = False
    fields = ("email", "recipient", "claimed_at", "sent_at", "attempts", "last_error")
    readonly_fields = fields


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "step", "created_at")
    list_filter = ("kind", "step")
    search_fields = ("key", "title")
    readonly_fields = ("key", "kind", "step", "title", "monitoring_return", "url", "created_at")
    inlines = [DeliveryInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Concern)
class ConcernAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kind", "escalated_to", "closed_on")
    list_filter = ("kind", "escalated_to")
