"""Office staff see every procurement and contract; a supplier's users see only their
own organisation's contracts (never procurements: bids are confidential)."""

from commissioning.policies import ModelPolicy

from .models import Contract, Procurement


class ContractPolicy(ModelPolicy):
    model = Contract

    def provider_scope(self, user, queryset):
        return queryset.filter(supplier_id=user.organisation_id)


class ProcurementPolicy(ModelPolicy):
    model = Procurement


contract_policy = ContractPolicy()
procurement_policy = ProcurementPolicy()
