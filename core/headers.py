"""Responses that carry personal data are never kept by a browser or a proxy cache.

Every response to a browser with a session (a signed-in user), every API response and every file download gets
``Cache-Control: private, no-store`` (ASVS 5.0 V14.3: sensitive data not cached). Public pages and
static files (served by WhiteNoise before this runs its response half) keep their own caching.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # The session cookie, not request.user: reading the user needs the database, and this runs
        # outside the error pages' middleware, also when the database is down (a 503 page).
        signed_in = bool(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
        download = response.get("Content-Disposition", "").startswith("attachment")
        if signed_in or download or request.path.startswith("/api/"):
            patch_cache_control(response, private=True, no_store=True, max_age=0)
        return response
