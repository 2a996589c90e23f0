"""The portal's URLs plus one bare view for pages_bench.py: ``/bench/bare/`` answers a signed-in user
with a tiny JSON body through the same middleware, session and access declaration as every page, so
a page's time can be read as a multiple of what the stack itself costs."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.urls import path

from core.access import SIGNED_IN, access
from qingpu_portal.urls import urlpatterns as portal_urlpatterns


@access(read=SIGNED_IN)
@login_required
def bare(request):
    return JsonResponse({"user": request.user.pk})


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *portal_urlpatterns]
