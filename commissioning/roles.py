"""The portal's roles as Django groups, each with the model permissions it needs.

Groups are created by a data migration and kept in step after every ``migrate`` (a
``post_migrate`` handler), so models added by later apps reach the right roles without
another hand-written migration. The portal's own pages check roles through the access
levels in ``commissioning.access``; these permissions serve the Django admin and
``user.has_perm``.
"""

from __future__ import annotations

from .models import Role

#: Apps whose models are the office's domain records.
DOMAIN_APPS = (
    "commissioning",
    "workstreams",
    "decisions",
    "grants",
    "contracts",
    "monitoring",
    "reports",
)
#: Models that only administrators manage.
ADMIN_ONLY_MODELS = {("commissioning", "user")}

ROLE_ACTIONS = {
    Role.ADMIN: {"view", "add", "change", "delete"},
    Role.MANAGER: {"view", "add", "change"},
    Role.OFFICER: {"view", "add", "change"},
    Role.VIEWER: {"view"},
    Role.PROVIDER: set(),
}


def sync_role_groups(apps=None) -> None:
    """Create one group per role and give it the permissions of ``ROLE_ACTIONS``."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS).select_related(
        "content_type"
    )
    for role, actions in ROLE_ACTIONS.items():
        group, _ = Group.objects.get_or_create(name=role.label)
        wanted = [
            p
            for p in permissions
            if p.codename.split("_", 1)[0] in actions
            and (
                role == Role.ADMIN
                or (p.content_type.app_label, p.content_type.model) not in ADMIN_ONLY_MODELS
            )
        ]
        group.permissions.set(wanted)


def sync_role_groups_after_migrate(sender, **kwargs) -> None:
    sync_role_groups()
