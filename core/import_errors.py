"""The errors of an import as an .xlsx (issue 15 §5): one row per refused cell — row number, column,
value, what is wrong — through the one spreadsheet writer (``core.spreadsheets``).

An import job that fails on its rows keeps them in ``job.result["row_errors"]`` (``row_errors_data``);
``job_errors_download`` serves them to whoever may open the job (its page links it). The preview of an
import (its first rows, before any job) lists its errors on the import page itself.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse

from .access import BUREAU, OWN, access
from .audit import log_action
from .spreadsheets import XLSX, RowError, attachment, workbook_bytes

ERROR_HEADER = ["行号", "列", "值", "问题"]
ERRORS_KEPT = 1000  # an import stops checking after this many errors anyway


def row_errors_data(errors: list[RowError]) -> list[dict]:
    """Row errors as a job's result keeps them (JSON)."""
    return [
        {"row": e.row, "column": e.column, "value": e.value, "message": e.message}
        for e in errors[:ERRORS_KEPT]
    ]


def errors_workbook(errors, *, title: str = "导入错误") -> bytes:
    """``errors``: RowError objects or their dicts (``row_errors_data``)."""
    rows = [ERROR_HEADER]
    for e in errors:
        e = (
            e
            if isinstance(e, dict)
            else {"row": e.row, "column": e.column, "value": e.value, "message": e.message}
        )
        rows.append([e["row"], e["column"], e["value"], e["message"]])
    return workbook_bytes([(title, rows)])


def errors_response(errors, *, filename: str, title: str = "导入错误") -> HttpResponse:
    response = HttpResponse(errors_workbook(errors, title=title), content_type=XLSX)
    response["Content-Disposition"] = attachment(filename)
    return response


@access(read=BUREAU | OWN)
@login_required
def job_errors_download(request, pk):
    """下载错误清单: the refused rows of a failed import job (404 when it kept none)."""
    from .views import _job_for

    job = _job_for(request, pk)
    errors = (job.result or {}).get("row_errors") or []
    if not errors:
        raise Http404("该任务没有错误清单。")
    log_action("core.import_errors.exported", actor=request.user, obj=job, data={"rows": len(errors)})
    return errors_response(errors, filename=f"导入错误清单-{job.created_at:%Y%m%d-%H%M}.xlsx")
