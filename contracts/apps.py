from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"

    def ready(self):
        from commissioning.money import MoneySource, register_commitment
        from workstreams.selectors import register_recommissioning_cover

        from . import demo, panels
        from .selectors import procurement_under_way

        panels.register()
        demo.register()

        # Committed contract value counts against funding streams' headroom.
        register_commitment(MoneySource("contracts.ContractCharge"))
        # A procurement under way re-commissions the contract ending on the forward plan.
        register_recommissioning_cover(procurement_under_way)
