"""Reference data administrators keep (programmes; areas with their population and
recorded-crime figures, each with its year and source) and, read-mostly, the grants
themselves: grants change on the portal, through the services, so their money, schedule
and history stay consistent."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import Area, Grant, GrantCharge, Payment, Programme


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "order", "is_active")
    list_editable = ("order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


@admin.register(Area)
class AreaAdmin(SimpleHistoryAdmin):
    """Changing a figure here changes future allocations only: each allocation keeps
    the figures it was worked out from."""

    list_display = (
        "name",
        "population",
        "population_year",
        "recorded_crime",
        "crime_year",
        "allocation_recipient",
        "is_active",
    )
    list_filter = ("is_active",)
    search_fields = ("name", "geo_code")
    autocomplete_fields = ("local_authority", "allocation_recipient")
    fieldsets = (
        (None, {"fields": ("name", "geo_code", "is_active")}),
        ("Who it is", {"fields": ("local_authority", "allocation_recipient")}),
        ("Population", {"fields": ("population", "population_year", "population_source")}),
        ("Recorded crime", {"fields": ("recorded_crime", "crime_year", "crime_source")}),
    )


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class GrantChargeInline(ReadOnlyInline):
    model = GrantCharge
    fields = ("funding_stream", "amount")
    readonly_fields = fields


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = (
        "instalment",
        "charge",
        "due_date",
        "amount",
        "status",
        "paid_date",
        "payment_reference",
    )
    readonly_fields = fields


@admin.register(Grant)
class GrantAdmin(SimpleHistoryAdmin):
    """Read-mostly: an administrator may correct the purpose, the conditions and the
    responsible officer (saved through the service, so the history records who); every
    other change goes through the portal's grant pages."""

    list_display = ("reference", "title", "recipient", "programme", "amount", "status")
    list_filter = ("status", "programme")
    search_fields = ("reference", "title", "recipient__name")
    list_select_related = ("recipient", "programme")
    date_hierarchy = "start_date"
    inlines = [GrantChargeInline, PaymentInline]
    editable_fields = ("purpose", "conditions", "responsible_officer")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [
            field.name
            for field in Grant._meta.fields
            if field.name not in self.editable_fields and field.name != "id"
        ]

    def save_model(self, request, obj, form, change):
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        if changed:
            services.grant_update(grant=obj, by=request.user, **changed)
