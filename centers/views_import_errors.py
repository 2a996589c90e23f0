"""下载错误清单 of the organisation import's preview: the stored upload the preview refers to is
checked again (as the preview did) and its errors served as an .xlsx (``core.import_errors``). The
errors of the import job itself are the job's (``core:job_errors``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import redirect

from core.access import BUREAU, access
from core.audit import log_action
from core.errors import ApplicationError
from core.import_errors import errors_response
from core.spreadsheets import stored_path

from . import importing
from .views import IMPORT_SESSION_KEY


@access(read=BUREAU)
@login_required
def organization_import_errors(request):
    if not request.user.has_perm("centers.add_socialorganization"):
        raise Http404
    pending = request.session.get(IMPORT_SESSION_KEY)
    if not pending or not default_storage.exists(pending["path"]):
        messages.error(request, "没有待导入的文件或预览已过期，请重新上传。")
        return redirect("centers:organization_import")
    try:
        errors = importing.preview_rows(pending["name"], stored_path(pending["path"]))["errors"]
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("centers:organization_import")
    if not errors:
        messages.info(request, "预览的行中没有错误。")
        return redirect("centers:organization_import")
    log_action(
        "core.import_errors.exported", actor=request.user, data={"file": pending["name"], "rows": len(errors)}
    )
    return errors_response(errors, filename=f"导入错误清单-{pending['name']}.xlsx", title="社会组织导入错误")
