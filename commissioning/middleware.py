"""Response headers the security review asks for that Django and django-csp don't set.

- ``Permissions-Policy``: the portal uses no camera, microphone, location and so on, so
  every page switches them off (``PERMISSIONS_POLICY`` setting).
- ``Cache-Control: no-store`` on every response to a signed-in user, so a shared computer's
  browser cache or a proxy keeps no copy of a page about grants, providers or victims'
  services. Public pages seen by someone not signed in keep their normal caching, and
  static files never reach this middleware (WhiteNoise answers them first).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.cache import patch_cache_control


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = getattr(settings, "PERMISSIONS_POLICY", "")

    def __call__(self, request):
        response = self.get_response(request)
        if self.permissions_policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.permissions_policy
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Replaces any max-age or public a view set: nothing a signed-in user sees
            # is kept.
            if "Cache-Control" in response:
                del response["Cache-Control"]
            patch_cache_control(response, no_store=True, private=True)
        return response
