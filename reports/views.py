from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from .services import test_pdf_request


@login_required
@require_POST
def test_pdf_create(request):
    job = test_pdf_request(requester=request.user)
    return redirect("core:job_detail", pk=job.pk)
