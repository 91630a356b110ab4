"""Office staff see every grant; a provider sees only grants to their own organisation."""

from commissioning.policies import ModelPolicy

from .models import Grant, LocalAllocation


class GrantPolicy(ModelPolicy):
    model = Grant

    def provider_scope(self, user, queryset):
        return queryset.filter(recipient_id=user.organisation_id)


class LocalAllocationPolicy(ModelPolicy):
    model = LocalAllocation


grant_policy = GrantPolicy()
allocation_policy = LocalAllocationPolicy()
