from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    KPI,
    Contract,
    ContractCharge,
    ContractMeeting,
    ContractNotice,
    ExtensionOption,
    Procurement,
    Variation,
)


class ChargeInline(admin.TabularInline):
    model = ContractCharge
    extra = 0


class ExtensionInline(admin.TabularInline):
    model = ExtensionOption
    extra = 0


@admin.register(Contract)
class ContractAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "title", "supplier", "start_date", "end_date"]
    search_fields = ["reference", "title", "supplier__name"]
    list_filter = ["light_touch", "risk_flagged"]
    inlines = [ChargeInline, ExtensionInline]
    raw_id_fields = ["end_milestone", "procurement", "approving_decision"]


@admin.register(Procurement)
class ProcurementAdmin(SimpleHistoryAdmin):
    list_display = ["title", "workstream", "route", "status"]
    search_fields = ["title"]


admin.site.register([KPI, ContractMeeting, ContractNotice, Variation], SimpleHistoryAdmin)
