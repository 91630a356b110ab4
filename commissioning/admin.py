from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import FundingStream, Organisation, OrganisationContact, User


class UserCreationForm(forms.ModelForm):
    """Adds a user without a password: they set their own through the reset email."""

    class Meta:
        model = User
        fields = ("email", "full_name", "job_title", "role", "organisation")


class UserChangeForm(DjangoUserChangeForm):
    class Meta(DjangoUserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ("full_name",)
    list_display = ("email", "full_name", "role", "organisation", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("email", "full_name")
    autocomplete_fields = ("organisation",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name", "job_title")}),
        ("Role", {"fields": ("role", "organisation", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("email", "full_name", "job_title", "role", "organisation")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def save_model(self, request, obj, form, change):
        if change:
            services.user_set_role(
                user=obj, role=obj.role, organisation=obj.organisation, by=request.user
            )
        else:
            created = services.user_create(
                email=obj.email,
                full_name=obj.full_name,
                job_title=obj.job_title,
                role=obj.role,
                organisation=obj.organisation,
                by=request.user,
            )
            obj.pk = created.pk
            obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        # Group membership follows the role (services.user_set_role); nothing to save here.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class ContactInline(admin.TabularInline):
    model = OrganisationContact
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "identifier", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "identifier")
    inlines = [ContactInline]


@admin.register(FundingStream)
class FundingStreamAdmin(SimpleHistoryAdmin):
    list_display = ("name", "financial_year", "source", "funder", "amount")
    list_filter = ("financial_year", "source")
    search_fields = ("name", "reference")
    autocomplete_fields = ("funder",)
