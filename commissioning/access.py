"""Who may open a page: each view declares one access level, enforced here.

The access-matrix test walks every URL in the URLconf and checks each view's declared
level against what every role actually gets, so a page without a declaration fails the
suite and a declaration that is not enforced is caught.
"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.db import transaction
from django.http import Http404

from . import audit
from .models import EDITOR_ROLES, STAFF_ROLES, Role
from .pagecache import cached_page

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Access(StrEnum):
    #: Anyone, signed in or not: public pages, sign-in, health check.
    PUBLIC = "public"
    #: Anyone holding a secret address (a calendar feed): no sign-in, and an unknown or
    #: revoked secret answers 404.
    SECRET_LINK = "secret_link"  # noqa: S105 - a name, not a secret
    #: Any signed-in user, managing their own account (viewers included: signing out
    #: and changing one's own password are not changes to the office's records).
    ACCOUNT = "account"
    #: Any signed-in user: the dashboard. Viewers may not POST.
    SIGNED_IN = "signed_in"
    #: Office staff read (officers, managers, viewers, admins); only editors POST.
    #: Providers are refused: 404 for a record's page, 403 for any other.
    STAFF = "staff"
    #: Office staff read everything; a provider reads only their own organisation's
    #: records (the view's policy narrows the rows, so another's id answers 404); only
    #: editors POST.
    SCOPED = "scoped"
    #: Like SCOPED, but a provider may also change their own organisation's records (a
    #: monitoring return they fill in): the view's policy narrows the rows, so another
    #: organisation's id answers 404. Office editors change them too; viewers never.
    PROVIDER_EDIT = "provider_edit"
    #: Officers, managers and admins only (create and edit pages).
    EDITORS = "editors"
    #: Managers and admins only (approvals).
    MANAGERS = "managers"


def check_access(user, access: Access, method: str, has_object: bool) -> None:
    """Raise PermissionDenied or Http404 when ``user`` may not do this. The caller has
    already sent signed-out users to sign in (for every level but PUBLIC)."""
    if access in (Access.PUBLIC, Access.SECRET_LINK, Access.ACCOUNT):
        return
    role = user.role
    unsafe = method not in SAFE_METHODS
    if role == Role.PROVIDER and access == Access.SCOPED and not unsafe:
        return  # the view's policy shows a provider only their own records
    if role == Role.PROVIDER and access == Access.PROVIDER_EDIT:
        return  # the view's policy gives a provider only their own records
    if role == Role.PROVIDER and access != Access.SIGNED_IN:
        # A provider must not learn whether another body's record exists.
        if has_object:
            raise Http404
        raise PermissionDenied
    if access == Access.SIGNED_IN:
        allowed = not (unsafe and role == Role.VIEWER)
    elif access in (Access.STAFF, Access.SCOPED, Access.PROVIDER_EDIT):
        allowed = role in (EDITOR_ROLES if unsafe else STAFF_ROLES)
    elif access == Access.EDITORS:
        allowed = role in EDITOR_ROLES
    elif access == Access.MANAGERS:
        allowed = role in {Role.MANAGER, Role.ADMIN}
    else:  # pragma: no cover - every level is handled above
        raise ValueError(f"Unknown access level {access!r}")
    if not allowed:
        raise PermissionDenied


#: Methods that only read: answered outside a transaction (see ``PortalAccessMixin``).
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class PortalAccessMixin(AccessMixin):
    """Signed-out users go to sign in; signed-in users get what ``access`` allows.

    A request that changes something (POST) runs in one transaction, as
    ``ATOMIC_REQUESTS`` would run it. A request that only reads does not: under
    PostgreSQL's READ COMMITTED each statement sees what is committed whether or not it
    is in a transaction, so BEGIN and COMMIT were two round trips on every page for
    nothing (issue 11). What such a request does write (an audit event, a new
    authenticator's secret) is a single row, saved at once."""

    access: Access | None = None
    #: Whether the page, once rendered for a person, is served to them again while
    #: nothing under it has changed (``commissioning.pagecache``).
    page_cache = False

    @classmethod
    def as_view(cls, **initkwargs):
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    def dispatch(self, request, *args, **kwargs):
        if request.method in READING_METHODS:
            return self._dispatch(request, *args, **kwargs)
        with transaction.atomic():
            return self._dispatch(request, *args, **kwargs)

    def _dispatch(self, request, *args, **kwargs):
        if self.access is None:
            raise PermissionDenied("This page does not declare who may open it.")
        signed_out_allowed = self.access in (Access.PUBLIC, Access.SECRET_LINK)
        if not signed_out_allowed and not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.user.is_authenticated:
            try:
                check_access(request.user, self.access, request.method, has_object=bool(kwargs))
            except (PermissionDenied, Http404) as refusal:
                return refuse(request, refusal, view=self)
        if self.page_cache:
            return cached_page(
                request, lambda: super(PortalAccessMixin, self).dispatch(request, *args, **kwargs)
            )
        return super().dispatch(request, *args, **kwargs)


def refuse(request, refusal: PermissionDenied | Http404, *, view):
    """Record a refusal in the audit log, then answer as Django would have for the raised
    exception (the project's 403 or 404 page). The page is returned rather than raised so
    that the request's transaction (ATOMIC_REQUESTS) commits the audit event instead of
    rolling it back; nothing else has been written at this point."""
    status = 404 if isinstance(refusal, Http404) else 403
    audit.record(
        audit.events.ACCESS_REFUSED,
        request=request,
        view=f"{type(view).__module__}.{type(view).__name__}",
        access=str(view.access),
        role=getattr(request.user, "role", ""),
        answered=status,
        url_kwargs={key: str(value) for key, value in view.kwargs.items()},
    )
    return response_for_exception(request, refusal)
