"""Tells the user when a job could not be handed to the broker (it is kept and sent later); keeps the
idle timeout without saving the session on every request."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY

from .jobs import BROKER_DOWN_NOTICE, dispatch_failed


class JobDispatchNoticeMiddleware:
    """A page that queued a job while the broker was down shows “后台服务暂不可用，任务已记录，恢复后自动执行”
    (the job is in the outbox; the beat dispatcher sends it when the broker is back)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = dispatch_failed.set(False)
        try:
            response = self.get_response(request)
            if dispatch_failed.get() and hasattr(request, "_messages"):
                messages.warning(request, BROKER_DOWN_NOTICE)
            return response
        finally:
            dispatch_failed.reset(token)


# ---- the idle timeout, saved at most once a minute -------------------------------------------------

SESSION_TOUCHED = "_touched"  # when the session's expiry was last moved on (seconds since the epoch)


class SessionIdleMiddleware:
    """The idle timeout (SESSION_COOKIE_AGE from the last request) without a write on every request.

    Django's ``SESSION_SAVE_EVERY_REQUEST`` saves the session — three queries and a row write — on
    every request, only to move its expiry on. Here a signed-in session is saved when its expiry was
    last moved ``SESSION_TOUCH_SECONDS`` ago or more, so an idle session ends between
    SESSION_COOKIE_AGE − SESSION_TOUCH_SECONDS and SESSION_COOKIE_AGE after the last request.
    (Home-made: django-session-timeout, the package for this, was last released in 2020 and ends
    sessions itself rather than leaving that to the session's own expiry.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key and SESSION_KEY in session:
            now = int(time.time())
            touched = session.get(SESSION_TOUCHED)
            if not isinstance(touched, int) or now - touched >= settings.SESSION_TOUCH_SECONDS:
                session[SESSION_TOUCHED] = now  # marks it modified: SessionMiddleware saves it
        return self.get_response(request)


def touch_session_on_login(sender, request, user, **kwargs):
    """A new sign-in's session starts its minute at once, so its first pages do not save it again."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_TOUCHED] = int(time.time())
