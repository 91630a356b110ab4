from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit log: who did what, when (UTC) and from where.

    It depends on nothing but Django (and, optionally, django-simple-history's and
    django-axes' signals), so every app may write to it through
    ``commissioning.audit.record`` without importing "up". It listens for sign-ins,
    failed sign-ins, lock-outs and the state changes of decisions, grants, contracts and
    returns itself (audit/receivers.py), so no service has to remember to call it.
    """

    name = "audit"
    verbose_name = "Audit log"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
