"""Tells the user when a job could not be handed to the broker (it is kept and sent later)."""

from django.contrib import messages

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
