from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import Role
from core.access import BUREAU, FILING_READERS, PUBLIC, TAKING_PART, access, in_scope
from core.audit import log_action
from core.errors import ApplicationError
from core.params import int_param
from core.permissions import restrict

from . import selectors, services
from .choices import ReportKind
from .forms import VerifyUploadForm
from .services import test_pdf_request


def _bureau_or_404(user) -> None:
    if not user.has_perm("reports.view_reportdocument"):
        raise Http404("没有该页面")


def _cycle_or_404(request, pk, action="view"):
    from evaluations.models import Cycle

    return get_object_or_404(restrict(Cycle.objects.all(), request.user, action), pk=pk)


@access(read=TAKING_PART)
@login_required
def document_list(request):
    kind = request.GET.get("kind", "")
    if kind not in ReportKind.values:
        kind = ""
    query = request.GET.get("q", "").strip()[:100]
    include_superseded = request.GET.get("all") == "1"
    documents = selectors.documents_for(
        request.user,
        kind=kind,
        query=query,
        cycle_id=int_param(request.GET, "cycle", label="考评年度"),
        include_superseded=include_superseded,
    )
    page = Paginator(documents, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/document_list.html",
        {
            "page": page,
            "kinds": ReportKind.choices,
            "kind": kind,
            "q": query,
            "include_superseded": include_superseded,
            "is_bureau": request.user.has_perm("reports.view_reportdocument"),
            "cycles": selectors.cycles_with_documents()
            if request.user.has_perm("reports.view_reportdocument")
            else [],
        },
    )


@access(read=FILING_READERS)
@login_required
def document_detail(request, pk):
    document = get_object_or_404(selectors.documents_for(request.user, include_superseded=True), pk=pk)
    return render(
        request,
        "reports/document_detail.html",
        {"document": document, "revisions": selectors.document_revisions(document, request.user)},
    )


@access(read=FILING_READERS)
@login_required
def document_download(request, pk):
    document = get_object_or_404(selectors.documents_for(request.user, include_superseded=True), pk=pk)
    try:
        stored = document.file.open("rb")
    except (FileNotFoundError, ValueError):  # the row is there, its file is not (lost disk, bad restore)
        return _missing_file(request, document)
    services.document_download_logged(document=document, user=request.user)
    return FileResponse(
        stored,
        as_attachment=True,
        filename=document.download_filename,
        content_type="application/pdf",
    )


def _missing_file(request, document):
    """A 404 that says the file is missing; the bureau is offered to render the year's reports again."""
    from core.permissions import can

    may_rerender = bool(
        document.cycle_id
        and request.user.has_perm("reports.view_reportdocument")
        and can(request.user, "change", document.cycle)
    )
    response = render(
        request,
        "reports/document_missing.html",
        {"document": document, "may_rerender": may_rerender},
        status=404,
    )
    response.portal_error_page = True
    return response


@access(read=BUREAU)
@login_required
def cycle_zip(request, cycle_pk):
    _bureau_or_404(request.user)
    cycle = _cycle_or_404(request, cycle_pk)
    documents = list(selectors.documents_for(request.user, cycle_id=cycle.pk))
    if not documents:
        raise Http404("该年度尚无报告")
    data = services.documents_zip(documents, user=request.user)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{cycle.year}-reports.zip"
    return response


@access(write=BUREAU)
@login_required
@require_POST
def cycle_render(request, cycle_pk):
    _bureau_or_404(request.user)
    cycle = _cycle_or_404(request, cycle_pk, "change")
    try:
        job = services.cycle_reports_rerender(
            cycle=cycle, requester=request.user, reason=request.POST.get("reason", "").strip()[:300]
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("reports:document_list")
    return redirect("core:job_detail", pk=job.pk)


@access(read=BUREAU | in_scope(Role.AUDITOR))
@login_required
@require_http_methods(["GET"])
def draw_record(request, cycle_pk):
    """The cycle's printable draw record (抽检记录, PDF): the bureau's, and an auditor's of a year in
    which they hold an assignment; anyone else, or a year not drawn yet, gets a 404."""
    from .builders import draw_record_pdf

    cycle = selectors.draw_record_cycle(request.user, cycle_pk)
    if cycle is None:
        raise Http404("没有该抽检记录")
    pdf = draw_record_pdf(cycle)
    log_action("reports.draw_record.printed", actor=request.user, obj=cycle, data={"year": cycle.year})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{cycle.year}年度抽检记录.pdf')}"
    return response


@access(read=PUBLIC, write=PUBLIC)
@require_http_methods(["GET", "POST"])
def verify(request):
    """Public (no login): check a report by its verification code or by uploading the PDF."""
    code = request.GET.get("code", "").strip()
    if code:
        return redirect("reports:verify_code", code=code[:40])
    form = VerifyUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            document = services.document_by_upload(form.cleaned_data["file"])
        except ApplicationError as exc:
            form.add_error("file", exc.fields.get("file", [exc.message])[0])
        else:
            result = {"document": document, "by": "upload", "genuine": document is not None}
    return render(request, "reports/verify.html", {"form": form, "result": result})


@access(read=PUBLIC)
@require_http_methods(["GET"])
def verify_code(request, code):
    document = services.document_by_code(code)
    return render(
        request,
        "reports/verify.html",
        {
            "form": VerifyUploadForm(),
            "code": code,
            "result": {"document": document, "by": "code", "genuine": document is not None},
        },
    )


@access(write=BUREAU)  # the bureau's check of the report layout (issue 14 §5)
@login_required
@require_POST
def test_pdf_create(request):
    if not request.user.has_perm("reports.view_reportdocument"):
        raise Http404  # the bureau's tool; the service refuses everyone else too
    try:
        job = test_pdf_request(requester=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("core:home")
    return redirect("core:job_detail", pk=job.pk)
