"""A page a person has just seen, served again while nothing under it has changed.

Officers go back and forth between the same lists, dashboards and records all day. At
national scale (issue 11) rendering such a page — Django's templates over a table of
rows, the filters, the sections — costs ten to forty times the framework's own floor,
while the data under it changes far less often than it is looked at. So a page's HTML
is a cached figure (``commissioning.freshness``): the tables it read are seen as it is
rendered, and it is served again only while every one of them is unchanged.

What keeps this safe:

- the key is the person's own: their session, their user, the page's full address, the
  CSRF cookie (a form's token is valid only with it), what the browser accepts, and the
  date (what is due or overdue moves on at midnight) — nobody is ever served a page
  rendered for someone else;
- only a plain HTML page answered 200 to a GET is kept: not a redirect, an error, a
  download, a page that sets a cookie or a header of its own, nor a page rendered while
  a message ("Grant saved") is waiting to be shown;
- access is checked on every request before the cache is looked at, and a change to a
  person's account (their role, say) is a change under every page (the users' table is
  always among a page's tables);
- relative times ("waiting 3 days, 2 hours") go stale only by the hour: pages are kept
  at most ``PAGE_CACHE_TIMEOUT`` seconds (default five minutes).

A view opts in with ``page_cache = True`` (``commissioning.access.PortalAccessMixin``);
it is on only when ``FRESH_CACHE`` is.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.template.response import SimpleTemplateResponse
from django.utils import timezone

from .freshness import cached

#: Headers Django's middleware sets on every response: not part of what is kept.
_OWN_HEADERS = frozenset({"content-type", "content-length", "vary", "x-frame-options"})


def _kept(request) -> Callable[[HttpResponse], bool]:
    had_csrf_cookie = settings.CSRF_COOKIE_NAME in request.COOKIES

    def keep(response) -> bool:
        if not isinstance(response, SimpleTemplateResponse) or response.status_code != 200:
            return False
        if not response["Content-Type"].startswith("text/html") or response.cookies:
            return False
        if any(name.lower() not in _OWN_HEADERS for name, _ in response.items()):
            return False
        # A form's CSRF token is only good with the cookie the key was made with.
        return had_csrf_cookie or not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")

    return keep


def _pack(response) -> tuple[str, bytes]:
    return response["Content-Type"], response.content


def _unpack(packed: tuple[str, bytes]) -> HttpResponse:
    content_type, content = packed
    return HttpResponse(content, content_type=content_type)


def _render(respond: Callable[[], HttpResponse]) -> Callable[[], HttpResponse]:
    def render():
        response = respond()
        if isinstance(response, SimpleTemplateResponse):
            response.render()  # inside the figure, so the tables it reads are seen
        return response

    return render


def cached_page(request, respond: Callable[[], HttpResponse]) -> HttpResponse:
    """``respond()``'s page, or the same page as before if nothing under it changed."""
    if request.method != "GET" or not getattr(settings, "PAGE_CACHE", True):
        return respond()
    if len(messages.get_messages(request)):
        return respond()  # a message to show once: this page is not for again
    user = request.user
    vary = (
        request.session.session_key if hasattr(request, "session") else None,
        user.pk if user.is_authenticated else None,
        request.get_full_path(),
        request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
        request.headers.get("Accept", ""),
        timezone.localdate(),
    )
    return cached(
        "page",
        _render(respond),
        # The person's own row is read before the page (by sign-in), so it is named:
        # a change to their role or organisation is a change under every page of theirs.
        reads=[get_user_model()],
        vary=vary,
        keep=_kept(request),
        pack=_pack,
        unpack=_unpack,
        timeout=settings.PAGE_CACHE_TIMEOUT,
    )
