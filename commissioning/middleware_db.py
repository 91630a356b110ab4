"""When the database cannot be reached, answer a styled 503 instead of a 500.

A PostgreSQL restart or a network blip makes every query raise ``OperationalError`` (or
``InterfaceError`` on a connection that has gone away). The person asking should see
"the service is unavailable, try again shortly" with status 503 and ``Retry-After``,
not the generic error page, and the portal must recover by itself once the database is
back: Django closes a connection that raised at the end of the request, and
``CONN_HEALTH_CHECKS`` checks a reused one before the next request trusts it.

Nothing half-written survives the outage: each request runs in one transaction
(``ATOMIC_REQUESTS``) and each service in its own ``transaction.atomic``, so a
transaction cut off by the outage is never committed.

The page is rendered without the request's context (no context processors, no user,
no session): all of those would need the database that has just gone.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
#: Seconds a client (or a proxy, or a browser's retry) is asked to wait.
RETRY_AFTER_SECONDS = 30


def database_unavailable_response() -> HttpResponse:
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turns a database connection error raised by a view (or while rendering its
    template) into the 503 page. Put it low in MIDDLEWARE, after the middleware that
    may touch the database, so its ``process_exception`` runs first for view errors."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            logger.error(
                "Database unavailable while serving %s %s: %s",
                request.method,
                request.path,
                exception,
            )
            return database_unavailable_response()
        return None


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """``handler500``: a database error raised outside a view (a middleware saving the
    session, say) also gets the 503 page; any other error the ordinary 500 page."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable_response()
    return defaults.server_error(request, template_name=template_name)
