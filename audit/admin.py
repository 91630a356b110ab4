"""A read-only page to search the audit log: filter by event, user and date, search by
record, address or user. Nothing can be added, changed or deleted here."""

from __future__ import annotations

import datetime

from django.contrib import admin

from . import events
from .models import AuditEvent


class EventFilter(admin.SimpleListFilter):
    title = "event"
    parameter_name = "event"

    def lookups(self, request, model_admin):
        seen = AuditEvent.objects.order_by("event").values_list("event", flat=True).distinct()
        return [(name, events.label(name)) for name in seen]

    def queryset(self, request, queryset):
        return queryset.filter(event=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("when_utc", "event_label", "user_label", "ip_address", "target_label")
    list_filter = (EventFilter, ("user", admin.RelatedOnlyFieldListFilter), "at")
    date_hierarchy = "at"
    search_fields = ("target_label", "target_id", "target_type", "user_label", "ip_address")
    list_select_related = ()
    show_full_result_count = False
    readonly_fields = (
        "when_utc",
        "event",
        "event_label",
        "user",
        "user_label",
        "ip_address",
        "method",
        "path",
        "target_type",
        "target_id",
        "target_label",
        "details",
    )
    fields = readonly_fields

    @admin.display(description="When (UTC)", ordering="at")
    def when_utc(self, obj):
        return obj.at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")

    @admin.display(description="What", ordering="event")
    def event_label(self, obj):
        return obj.event_label

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
