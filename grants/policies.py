"""Office staff see every grant; a provider sees only awarded grants to their own
organisation."""

from commissioning.policies import ModelPolicy

from .models import Grant, GrantStatus, LocalAllocation


class GrantPolicy(ModelPolicy):
    model = Grant

    def provider_scope(self, user, queryset):
        # A draft is the office's working paper until it is awarded.
        return queryset.filter(recipient_id=user.organisation_id).exclude(status=GrantStatus.DRAFT)


class LocalAllocationPolicy(ModelPolicy):
    model = LocalAllocation


grant_policy = GrantPolicy()
allocation_policy = LocalAllocationPolicy()
