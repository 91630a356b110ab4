from django.apps import AppConfig


class GrantsConfig(AppConfig):
    name = "grants"

    def ready(self):
        from commissioning.reference_data import reseed_after_migrate

        reseed_after_migrate(self, "0002_programmes")
        from django.db.models import Q

        from commissioning.models import Role
        from commissioning.money import MoneySource, register_commitment, register_spend
        from commissioning.navigation import register_nav

        from . import demo, panels
        from .models import COMMITTED_STATUSES, GrantStatus, PaymentStatus

        register_nav(label="Grants", url_name="grant-list", roles=set(Role), order=40)
        panels.register()
        demo.register()

        # Money committed to and spent from funding streams (commissioning/money.py).
        register_commitment(
            MoneySource("grants.GrantCharge", condition=Q(grant__status__in=COMMITTED_STATUSES))
        )
        register_commitment(
            MoneySource("grants.UnderspendReturn", stream_field="charge__funding_stream", sign=-1)
        )
        # A grant closed early never pays its cancelled instalments: release them.
        register_commitment(
            MoneySource(
                "grants.Payment",
                stream_field="charge__funding_stream",
                condition=Q(status=PaymentStatus.CANCELLED, grant__status=GrantStatus.CLOSED),
                sign=-1,
            )
        )
        register_spend(
            MoneySource(
                "grants.Payment",
                stream_field="charge__funding_stream",
                condition=Q(status=PaymentStatus.PAID),
            )
        )
        register_spend(
            MoneySource("grants.UnderspendReturn", stream_field="charge__funding_stream", sign=-1)
        )
