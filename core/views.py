from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Role

from .access import BUREAU, OWN, PUBLIC, SIGNED_IN, access
from .audit import log_action
from .choices import JobStatus
from .errors import ApplicationError
from .health import READINESS_REQUIRED, run_checks
from .import_flow import job_import_context
from .jobs import BROKER_DOWN_NOTICE, job_retry_failed, job_waits_for_broker, rows_text
from .models import Job
from .permissions import restrict

HOME_TEMPLATES = {
    Role.BUREAU: "core/home_bureau.html",
    Role.DIRECTOR: "core/home_director.html",
    Role.SUPERVISOR: "core/home_supervisor.html",
    Role.AUDITOR: "core/home_auditor.html",
    Role.ACCOUNT_ADMIN: "core/home_account_admin.html",
    Role.AUDIT_ADMIN: "core/home_audit_admin.html",
}


def bad_request(request, exception=None):
    """handler400: the portal's Chinese 400 page; a BadInput says what was wrong and how to fix it."""
    from .errors import BadInput

    message = exception.message if isinstance(exception, BadInput) else ""
    return render(request, "400.html", {"message": message}, status=400)


@access(read=SIGNED_IN)
@login_required
def home(request):
    """Each role's home page; later issues add their panels through core.home.panels_for."""
    from .home import panels_for

    template = HOME_TEMPLATES.get(request.user.role, "core/home_public.html")
    recent_jobs = restrict(Job.objects.all(), request.user).filter(requester=request.user)[:5]
    return render(request, template, {"panels": panels_for(request), "recent_jobs": recent_jobs})


def _health_response(request, ok: bool, checks: dict[str, str]) -> JsonResponse:
    body = {"status": "ok" if ok else "degraded"}
    if request.user.is_authenticated and request.user.is_staff:  # the detail is for staff only
        body["checks"] = checks
    return JsonResponse(body, status=200 if ok else 503)


@access(read=PUBLIC)
@never_cache
@require_GET
def livez(request):
    """Liveness: the web process answers. Touches neither the database nor the broker."""
    return JsonResponse({"status": "ok"})


@access(read=PUBLIC)
@never_cache
@require_GET
def readyz(request):
    """Readiness of the web: database and storage; broker and worker are reported, not required."""
    ok, checks = run_checks(READINESS_REQUIRED)
    return _health_response(request, ok, checks)


@access(read=PUBLIC)
@never_cache
@require_GET
def healthz(request):
    """The whole system (monitoring): 503 when any check fails, the worker included."""
    ok, checks = run_checks()
    return _health_response(request, ok, checks)


def _job_for(request, pk) -> Job:
    return get_object_or_404(restrict(Job.objects.select_related("requester"), request.user), pk=pk)


@access(read=BUREAU | OWN)
@login_required
def job_detail(request, pk):
    job = _job_for(request, pk)
    waiting = not job.is_finished and job_waits_for_broker(job)
    imported = job_import_context(job)  # a wrong sheet is fixed and uploaded again, not retried
    return render(
        request,
        "core/job_detail.html",
        {
            "job": job,
            "rows": rows_text(job),
            "broker_notice": BROKER_DOWN_NOTICE if waiting else "",
            "can_retry": job.status == JobStatus.FAILED
            and job.requester_id == request.user.pk
            and not imported["row_errors"],
            **imported,
        },
    )


@access(write=OWN)  # whoever started the job; the view refuses everyone else with 404
@login_required
@require_POST
def job_retry(request, pk):
    """重试失败项: only whoever started the job (anyone else gets 404 from the service)."""
    job = _job_for(request, pk)
    try:
        job_retry_failed(job=job, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已重新排队，只重新执行失败的部分。")
    return redirect("core:job_detail", pk=job.pk)


@access(read=BUREAU | OWN)
@never_cache
@login_required
def job_status(request, pk):
    job = _job_for(request, pk)
    return JsonResponse(
        {
            "id": str(job.pk),
            "status": job.status,
            "status_label": job.get_status_display(),
            "progress": job.progress,
            "rows": rows_text(job),
            "finished": job.is_finished,
            "log": job.log[-4000:],
            "has_file": bool(job.output_file),
            "broker_notice": BROKER_DOWN_NOTICE if not job.is_finished and job_waits_for_broker(job) else "",
        }
    )


@access(read=BUREAU | OWN)
@login_required
def job_download(request, pk):
    job = _job_for(request, pk)
    if not job.output_file:
        raise Http404("该任务没有输出文件")
    log_action("core.job.downloaded", actor=request.user, obj=job)
    return FileResponse(job.output_file.open("rb"), as_attachment=True, filename=f"{job.kind}-{job.pk}.pdf")
