"""Walks every URL in the URLconf and checks that each role gets what the view declares.

A view declares its audience with ``access = Access.…`` (commissioning/access.py). A URL
whose view declares nothing fails here, so every page added later is covered without
anyone remembering to add it. Objects named in URLs are made with the suite's factories.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from commissioning.access import Access
from commissioning.models import Role
from tests.factories import FACTORIES

SIGNED_IN_ROLES = [Role.OFFICER, Role.MANAGER, Role.VIEWER, Role.ADMIN, Role.PROVIDER]
#: Django's admin has its own sign-in and permission checks, tested on their own below.
EXCLUDED_NAMESPACES = {"admin"}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name" or name
    pattern: URLPattern

    @property
    def view_class(self):
        return getattr(self.pattern.callback, "view_class", None)

    @property
    def kwarg_names(self) -> list[str]:
        return list(self.pattern.pattern.converters)

    def __str__(self) -> str:
        return self.name


def _walk(patterns, namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in EXCLUDED_NAMESPACES:
                continue
            yield from _walk(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"URL pattern {entry.pattern} has no name"
            yield Route(f"{namespace}:{entry.name}" if namespace else entry.name, entry)


ROUTES = list(_walk(get_resolver().url_patterns))


def _model_for(view_class, kwarg: str) -> type[models.Model]:
    if kwarg != "pk":
        return view_class.url_models[kwarg]
    policy = getattr(view_class, "policy", None)
    return policy.model if policy is not None else view_class.model


def _make(model, parent=None):
    """Make a row of ``model``; a child row points at ``parent`` where it has a FK to it."""
    factory = FACTORIES[model]
    if parent is None:
        return factory()
    for field in model._meta.get_fields():
        if isinstance(field, models.ForeignKey) and field.related_model is type(parent):
            return factory(**{field.name: parent})
    return factory()


def _url_for(route: Route) -> str:
    kwargs = {}
    parent = None
    for name in route.kwarg_names:
        converter = route.pattern.pattern.converters[name]
        if converter.regex in (r"[0-9]+",):
            parent = _make(_model_for(route.view_class, name), parent)
            kwargs[name] = parent.pk
        else:
            kwargs[name] = "sample-value"
    return reverse(route.name, kwargs=kwargs)


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_every_url_declares_who_may_open_it():
    undeclared = [
        str(route)
        for route in ROUTES
        if route.view_class is None
        or not isinstance(getattr(route.view_class, "access", None), Access)
    ]
    assert not undeclared, (
        "These URLs' views declare no `access = Access.…`; say who may open each: "
        + ", ".join(undeclared)
    )


PROVIDER_LEVELS = (Access.SCOPED, Access.PROVIDER_EDIT)


def test_every_record_a_provider_can_reach_is_loaded_through_a_policy():
    """A page a provider may open that names a record must load it through the model's
    policy (``policy.visible_to``), the one place a provider's rows are scoped: a view
    without one could not narrow them, so it is refused here before it can leak."""
    from commissioning.policies import ModelPolicy

    unscoped = [
        str(route)
        for route in ROUTES
        if route.kwarg_names
        and getattr(route.view_class, "access", None) in PROVIDER_LEVELS
        and not isinstance(getattr(route.view_class, "policy", None), ModelPolicy)
    ]
    assert not unscoped, (
        "These provider-reachable pages name a record but have no `policy`: " + ", ".join(unscoped)
    )


@pytest.mark.parametrize("route", ROUTES, ids=str)
@pytest.mark.django_db
def test_signed_out_users_get_what_the_view_declares(client, route):
    url = _url_for(route)
    response = client.get(url)
    if route.view_class.access == Access.PUBLIC:
        assert response.status_code < 400 and not _is_login_redirect(response), (url, response)
    elif route.view_class.access == Access.SECRET_LINK:
        assert response.status_code == 404, (url, response.status_code)  # a made-up secret
    else:
        assert _is_login_redirect(response), (url, response.status_code)
        assert _is_login_redirect(client.post(url)), url


def _expected_get(access: Access, role: Role, has_object: bool) -> set[int]:
    """The status codes a GET may answer with for this role."""
    ok = {200, 302, 405}  # a page, a redirect onward, or POST-only (sign out)
    refused_provider = {404} if has_object else {403}
    table = {
        Access.PUBLIC: ok,
        Access.SECRET_LINK: {404},  # the URL's secret is made up
        Access.ACCOUNT: ok,
        Access.SIGNED_IN: ok,
        Access.STAFF: refused_provider if role == Role.PROVIDER else ok,
        # A provider reads lists of their own records; the URL's record belongs to
        # another organisation (the factories make it so), which must answer 404.
        Access.SCOPED: ({404} if has_object else ok) if role == Role.PROVIDER else ok,
        Access.PROVIDER_EDIT: ({404} if has_object else ok) if role == Role.PROVIDER else ok,
        Access.EDITORS: (
            refused_provider if role == Role.PROVIDER else {403} if role == Role.VIEWER else ok
        ),
        Access.MANAGERS: (
            refused_provider
            if role == Role.PROVIDER
            else ok
            if role in (Role.MANAGER, Role.ADMIN)
            else {403}
        ),
    }
    return table[access]


@pytest.mark.parametrize("role", SIGNED_IN_ROLES, ids=str)
@pytest.mark.parametrize("route", ROUTES, ids=str)
@pytest.mark.django_db
def test_each_role_gets_what_the_view_declares(client, make_user, route, role):
    user = make_user(role)
    client.force_login(user)
    url = _url_for(route)
    access = route.view_class.access
    has_object = bool(route.kwarg_names)

    response = client.get(url)
    expected = _expected_get(access, role, has_object)
    assert response.status_code in expected, (
        f"{role} GET {url} ({access}) answered {response.status_code}, expected {expected}"
    )
    if response.status_code == 302:
        assert not _is_login_redirect(response), f"{role} sent to sign in again by {url}"

    # Refusals must hold for POSTs too: a viewer changes nothing, a provider sees nothing
    # of the office's. (Allowed roles are not POSTed to: an empty POST could change data.)
    if role == Role.VIEWER and access not in (Access.PUBLIC, Access.SECRET_LINK, Access.ACCOUNT):
        assert client.post(url).status_code == 403, f"viewer POST {url} was not refused"
    if role == Role.PROVIDER and access == Access.PROVIDER_EDIT and has_object:
        # Providers change their own records; another organisation's is not there.
        assert client.post(url).status_code == 404, f"provider POST {url} was not refused"
    elif role == Role.PROVIDER and access not in (
        Access.PUBLIC,
        Access.SECRET_LINK,
        Access.ACCOUNT,
        Access.SIGNED_IN,
        Access.PROVIDER_EDIT,
    ):
        refused = {404} if has_object else {403}
        assert client.post(url).status_code in refused, f"provider POST {url} was not refused"


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.OFFICER, Role.MANAGER, Role.VIEWER, Role.PROVIDER])
def test_only_administrators_reach_django_admin(client, make_user, role):
    client.force_login(make_user(role))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_administrator_reaches_django_admin_user_list(client, make_user):
    client.force_login(make_user(Role.ADMIN))
    assert client.get(reverse("admin:commissioning_user_changelist")).status_code == 200
    assert client.get(reverse("admin:commissioning_organisation_changelist")).status_code == 200
