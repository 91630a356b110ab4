"""Navigation of the reports app's public part: officers manage opportunities."""


def register() -> None:
    from commissioning.models import EDITOR_ROLES
    from commissioning.navigation import register_nav

    register_nav(label="Opportunities", url_name="opportunity-manage", roles=EDITOR_ROLES, order=60)
