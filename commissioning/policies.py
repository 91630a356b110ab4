"""Which records a user may see, expressed once per model.

Views narrow their querysets through a policy; reports and exports use the same policy,
so a provider can only ever reach their own organisation's records and any other id
answers 404.
"""

from __future__ import annotations

from django.db.models import QuerySet

from .models import STAFF_ROLES, FundingStream, Organisation, Role


class ModelPolicy:
    model = None

    def visible_to(self, user, queryset: QuerySet | None = None) -> QuerySet:
        queryset = self.model._default_manager.all() if queryset is None else queryset
        if not user.is_authenticated or not user.is_active:
            return queryset.none()
        if user.role in STAFF_ROLES:
            return queryset
        if user.role == Role.PROVIDER and user.organisation_id:
            return self.provider_scope(user, queryset)
        return queryset.none()

    def provider_scope(self, user, queryset: QuerySet) -> QuerySet:
        """The rows a provider user may see; none unless a policy says otherwise."""
        return queryset.none()


class OrganisationPolicy(ModelPolicy):
    model = Organisation

    def provider_scope(self, user, queryset):
        return queryset.filter(pk=user.organisation_id)


class FundingStreamPolicy(ModelPolicy):
    model = FundingStream


organisation_policy = OrganisationPolicy()
funding_stream_policy = FundingStreamPolicy()
