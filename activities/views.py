from django.contrib.auth.decorators import login_required
from django.http import Http404

from core.access import CENTER_READERS, access


@access(read=CENTER_READERS)
@login_required
def register_list(request, register):
    raise Http404
