"""Reference data (portfolios, the role checklists) and, for administrators, the
workstream records themselves. Workstreams are saved through the services, so a
workstream added here gets its checklist like one added on the portal."""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import (
    ChecklistTemplateItem,
    Milestone,
    Portfolio,
    ServiceUserVoice,
    Workstream,
    WorkstreamPartner,
    WorkstreamStatus,
)


@admin.register(Portfolio)
class PortfolioAdmin(SimpleHistoryAdmin):
    list_display = ("name", "order", "is_active")
    list_editable = ("order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)


@admin.register(ChecklistTemplateItem)
class ChecklistTemplateItemAdmin(admin.ModelAdmin):
    """The Understand / Plan / Do / Review steps of each commissioning role. A workstream
    copies them when it is added or changes role; editing them here never rewrites an
    existing workstream's checklist."""

    list_display = ("title", "role", "stage", "order", "required", "is_active")
    list_display_links = ("title",)
    list_editable = ("order", "required", "is_active")
    list_filter = ("role", "stage", "required", "is_active")
    search_fields = ("title", "guidance")
    ordering = ("role", "stage", "order")


class PartnerInline(admin.TabularInline):
    model = WorkstreamPartner
    extra = 0
    autocomplete_fields = ("organisation",)


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ("date", "kind", "title", "note")


class WorkstreamAdminForm(forms.ModelForm):
    class Meta:
        model = Workstream
        fields = [
            "title",
            "description",
            "portfolio",
            "lead_officer",
            "status",
            "closed_reason",
            "role",
            "stage",
            "lead_commissioner",
            "predecessor",
        ]

    def clean(self):
        cleaned = super().clean()
        old = self.instance.status if self.instance.pk else None
        new = cleaned.get("status")
        if old and new and new != old and new not in services.STATUS_CHANGES[old]:
            self.add_error(
                "status",
                f"A {WorkstreamStatus(old).label.lower()} workstream cannot be made "
                f"{WorkstreamStatus(new).label.lower()}",
            )
        if new == WorkstreamStatus.CLOSED and not (cleaned.get("closed_reason") or "").strip():
            self.add_error("closed_reason", "Enter why the workstream is closing")
        return cleaned


@admin.register(Workstream)
class WorkstreamAdmin(SimpleHistoryAdmin):
    form = WorkstreamAdminForm
    list_display = ("title", "role", "stage", "status", "portfolio", "lead_officer")
    list_filter = ("role", "stage", "status", "portfolio")
    search_fields = ("title", "description")
    autocomplete_fields = ("lead_commissioner", "predecessor")
    inlines = [PartnerInline, MilestoneInline]

    def get_readonly_fields(self, request, obj=None):
        # Once added, a workstream moves stage through the portal's stage-advance page,
        # which checks the checklist and records the move.
        return ("stage",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        fields = {
            name: value
            for name, value in form.cleaned_data.items()
            if name in {field.name for field in Workstream._meta.concrete_fields}
        }
        if change:
            services.workstream_update(
                workstream=Workstream.objects.get(pk=obj.pk), by=request.user, **fields
            )
        else:
            created = services.workstream_create(by=request.user, **fields)
            obj.pk = created.pk
            obj._state.adding = False


@admin.register(Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):
    list_display = ("title", "date", "kind", "workstream")
    list_filter = ("kind",)
    search_fields = ("title", "note", "workstream__title")
    date_hierarchy = "date"
    autocomplete_fields = ("workstream",)


@admin.register(ServiceUserVoice)
class ServiceUserVoiceAdmin(SimpleHistoryAdmin):
    list_display = ("title", "date", "kind", "workstream", "participants")
    list_filter = ("kind",)
    search_fields = ("title", "summary", "influence", "workstream__title")
    date_hierarchy = "date"
    autocomplete_fields = ("workstream",)
