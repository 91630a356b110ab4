from django.apps import AppConfig


class GrantsConfig(AppConfig):
    name = "grants"

    def ready(self):
        from django.db.models import Q

        from commissioning.money import MoneySource, register_commitment, register_spend

        from . import demo, panels
        from .models import COMMITTED_STATUSES, PaymentStatus

        panels.register()
        demo.register()

        # Money committed to and spent from funding streams (commissioning/money.py).
        register_commitment(
            MoneySource("grants.GrantCharge", condition=Q(grant__status__in=COMMITTED_STATUSES))
        )
        register_commitment(
            MoneySource("grants.UnderspendReturn", stream_field="charge__funding_stream", sign=-1)
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
