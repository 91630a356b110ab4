"""The header navigation by role. Apps add their own items from ``AppConfig.ready()``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.urls import reverse

from .models import STAFF_ROLES, Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[Role]
    order: int


_ITEMS: dict[str, NavItem] = {}


def register_nav(*, label: str, url_name: str, roles: Iterable[Role], order: int) -> None:
    _ITEMS[url_name] = NavItem(label, url_name, frozenset(roles), order)


def navigation_for(request) -> list[dict]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    items = sorted(
        (item for item in _ITEMS.values() if user.role in item.roles), key=lambda i: i.order
    )
    links = []
    for item in items:
        url = reverse(item.url_name)
        current = request.path == url if url == "/" else request.path.startswith(url)
        links.append({"label": item.label, "url": url, "current": current})
    return links


register_nav(label="Dashboard", url_name="dashboard", roles=set(Role), order=0)
register_nav(label="Organisations", url_name="organisation-list", roles=STAFF_ROLES, order=80)
register_nav(label="Funding streams", url_name="funding-stream-list", roles=STAFF_ROLES, order=70)
