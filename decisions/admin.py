"""The decision framework's wording (versioned reference data) and, read-only, the
assessments and their transitions. Assessments change only through the portal's pages
and services, so the admin never edits one."""

from django import forms
from django.contrib import admin
from django.db import transaction

from .models import Answer, AssessmentEvent, DecisionAssessment, Question, QuestionSet


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ("number", "heading", "text", "guidance")

    def has_change_permission(self, request, obj=None):
        # A wording that assessments were answered against is never rewritten: add a
        # new version instead.
        if obj is not None and DecisionAssessment.objects.filter(question_set=obj).exists():
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


class QuestionSetForm(forms.ModelForm):
    class Meta:
        model = QuestionSet
        fields = ["version", "introduced_on", "is_current", "note"]

    def _get_validation_exclusions(self):
        # Saving a version as current retires the previous one (save_model below), so
        # "only one current version" is kept there rather than refused here.
        return {*super()._get_validation_exclusions(), "is_current"}


@admin.register(QuestionSet)
class QuestionSetAdmin(admin.ModelAdmin):
    """Each wording of the six questions. New assessments use the current version;
    existing assessments keep the version they were answered against."""

    form = QuestionSetForm
    list_display = ("__str__", "introduced_on", "is_current", "note")
    inlines = [QuestionInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and DecisionAssessment.objects.filter(question_set=obj).exists():
            return ("version", "introduced_on", "note")
        return ()

    def has_delete_permission(self, request, obj=None):
        if obj is not None and DecisionAssessment.objects.filter(question_set=obj).exists():
            return False
        return super().has_delete_permission(request, obj)

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        if obj.is_current:
            # Only one version is current: making this one current retires the other.
            QuestionSet.objects.exclude(pk=obj.pk).filter(is_current=True).update(is_current=False)
        super().save_model(request, obj, form, change)


class ReadOnlyAdminMixin:
    """Administrators may look, never change: assessments move only through the
    portal's services, which keep every transition."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


class AnswerInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Answer
    extra = 0
    fields = ("question", "rating", "narrative", "evidence_url", "evidence_name")
    readonly_fields = fields


class EventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = AssessmentEvent
    extra = 0
    fields = ("at", "by", "from_status", "to_status", "reason")
    readonly_fields = fields


@admin.register(DecisionAssessment)
class DecisionAssessmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "reference",
        "title",
        "decision_type",
        "workstream",
        "status",
        "author",
        "decided_by",
        "decided_at",
    )
    list_filter = ("status", "decision_type", "recommendation")
    search_fields = ("reference", "title")
    list_select_related = ("workstream", "author", "decided_by")
    inlines = [AnswerInline, EventInline]


@admin.register(AssessmentEvent)
class AssessmentEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("assessment", "from_status", "to_status", "by", "at")
    list_filter = ("to_status",)
    search_fields = ("assessment__reference", "reason")
    list_select_related = ("assessment", "by")
