"""The audit log as the audit administrator (审计管理员) reads it: a read-only list and an .xlsx
export, for holders of ``core.view_auditentry`` only (the audit administrator's group and
superusers; 404 for everyone else). Every code is shown in Chinese: the object's type from its
model's verbose name, the verb from ``VERB_LABELS``. Another page may extend this later."""

from __future__ import annotations

import django_filters
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.roles import Role
from core.filtering import PortalFilterSet

from .access import access, roles
from .audit import log_action
from .models import AuditEntry, AuditOutcome
from .spreadsheets import XLSX, attachment, workbook_bytes

VERB_LABELS = {
    "created": "新建",
    "changed": "修改",
    "updated": "修改",
    "deleted": "删除",
    "imported": "导入",
    "import_queued": "提交导入（后台执行）",
    "passwords_issued": "签发导入账号的一次性密码",
    "exported": "导出",
    "submitted": "提交",
    "returned": "退回",
    "accepted": "受理",
    "reviewed": "审核",
    "downloaded": "下载",
    "rendered": "生成",
    "published": "发布",
    "set": "设置",
    "deactivated": "停用账号",
    "reactivated": "启用账号",
    "unlocked": "解除锁定",
    "password_reset": "重置密码",
    "request": "请求",
    "viewed": "查看",
}
APP_LABELS = {
    "accounts": "账号",
    "centers": "服务中心",
    "staffing": "人员",
    "evaluations": "年度考评",
    "reports": "报告",
    "activities": "日常工作台账",
    "core": "系统",
    "audit": "审计",
}


# Whole actions whose name does not split into "subject · verb" well (the catalogue's first look-up).
ACTION_LABELS = {
    "access.refused": "访问被拒绝（无权访问的对象）",
    "accounts.user.logged_in": "账号 · 登录",
    "accounts.user.logged_out": "账号 · 退出登录",
    "accounts.user.password_email_failed": "账号 · 一次性密码邮件未能发送",
    "accounts.user.login_failed": "账号 · 登录失败",
    "accounts.user.locked_out": "账号 · 因多次登录失败被锁定",
    "accounts.user.password_changed": "账号 · 修改密码",
    "accounts.token.issued": "接口令牌 · 签发",
    "accounts.token.revoked": "接口令牌 · 失效",
    "accounts.superuser.request": "超级管理员 · 提交操作",
    "admin.object.created": "管理后台 · 新建",
    "admin.object.changed": "管理后台 · 修改",
    "admin.object.deleted": "管理后台 · 删除",
    "audit.log.exported": "操作记录 · 导出",
    "evaluations.review_request.filed": "复核申请 · 提交",
    "evaluations.review_request.decided": "复核申请 · 作出决定",
    "evaluations.review_request.evidence_downloaded": "复核申请 · 下载佐证材料",
    "evaluations.rectification.opened": "整改事项 · 列出",
    "evaluations.rectification.submitted": "整改事项 · 提交整改报告",
    "evaluations.rectification.reviewed": "整改事项 · 业务主管单位审核",
    "evaluations.rectification.closed": "整改事项 · 销号",
    "evaluations.rectification.evidence_downloaded": "整改事项 · 下载佐证材料",
    "audit.archive.downloaded": "操作记录归档 · 下载",
    "evaluations.draw.verified": "抽检抽样 · 复核",
    "evaluations.draw.committed": "抽检抽样 · 公布种子承诺",
    "evaluations.notifications.resent": "通知邮件 · 重新发送",
    "evaluations.cycle.filing_closed": "年度考评 · 结束填报",
    "evaluations.cycle.finalized": "年度考评 · 定稿",
    "evaluations.filing.reminded": "年度填报 · 催报提醒",
    "evaluations.draw.exported": "抽检抽样 · 导出抽检记录",
    "staffing.district_table.exported": "全区人员配备 · 导出",
    "core.import_errors.exported": "导入 · 下载错误清单",
}


def can_read_audit_log(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm("core.view_auditentry"))


def action_label(entry: AuditEntry) -> str:
    if entry.action in ACTION_LABELS:
        return ACTION_LABELS[entry.action]
    parts = entry.action.split(".")
    verb = VERB_LABELS.get(parts[-1], "操作")
    if entry.content_type_id and entry.content_type.model_class() is not None:
        subject = str(entry.content_type.model_class()._meta.verbose_name)
    else:
        subject = APP_LABELS.get(parts[0], "系统")
    return f"{subject} · {verb}"


class AuditEntryFilterSet(PortalFilterSet):
    actor = django_filters.CharFilter(
        label="操作人用户名", field_name="actor__username", lookup_expr="icontains"
    )
    since = django_filters.DateFilter(label="起始日期", field_name="created_at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label="截止日期", field_name="created_at", lookup_expr="date__lte")
    action = django_filters.CharFilter(label="操作（名称或代码）", method="filter_action")
    object = django_filters.CharFilter(label="对象", field_name="object_repr", lookup_expr="icontains")
    outcome = django_filters.ChoiceFilter(label="结果", choices=AuditOutcome.choices, empty_label="全部结果")
    address = django_filters.CharFilter(label="来源地址", field_name="address", lookup_expr="startswith")

    class Meta:
        model = AuditEntry
        fields = ["actor", "action", "object", "outcome", "address", "since", "until"]

    def filter_action(self, queryset, name, value):
        """By its Chinese label (any part of it) or by the action's code."""
        value = value.strip()
        codes = [code for code, label in ACTION_LABELS.items() if value in label]
        verbs = [verb for verb, label in VERB_LABELS.items() if value in label]
        condition = Q(action__icontains=value) | Q(action__in=codes)
        for verb in verbs:
            condition |= Q(action__endswith=f".{verb}")
        return queryset.filter(condition)


def _entries(request):
    if not can_read_audit_log(request.user):
        raise Http404
    queryset = AuditEntry.objects.select_related("actor", "content_type").order_by("-created_at", "-id")
    return AuditEntryFilterSet(request.GET, queryset=queryset)


@access(read=roles(Role.AUDIT_ADMIN))
@login_required
def audit_list(request):
    filterset = _entries(request)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.label = action_label(entry)
    query = request.GET.copy()
    query.pop("page", None)
    from .audit import archives

    return render(
        request,
        "core/audit_list.html",
        {"filter": filterset, "page": page, "query": query.urlencode(), "archives": archives()},
    )


@access(read=roles(Role.AUDIT_ADMIN))
@login_required
def audit_archive_download(request, name):
    """An archive of entries past their retention (core.audit.archive_and_purge), audit admin only."""
    from pathlib import Path

    from django.conf import settings
    from django.http import FileResponse

    from .audit import ARCHIVE_DIR, archives

    if not can_read_audit_log(request.user) or name not in {a["name"] for a in archives()}:
        raise Http404
    log_action("audit.archive.downloaded", actor=request.user, data={"file": name})
    path = Path(settings.MEDIA_ROOT) / ARCHIVE_DIR / name
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type="application/gzip")


@access(read=roles(Role.AUDIT_ADMIN))
@login_required
def audit_export(request):
    filterset = _entries(request)

    def rows():
        yield ["时间", "操作人", "来源地址", "操作", "对象", "结果"]
        for entry in filterset.qs.iterator(chunk_size=2000):
            yield [
                timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                entry.actor.display_name if entry.actor_id else "系统",
                entry.address or "",
                action_label(entry),
                entry.object_repr,
                entry.get_outcome_display(),
            ]

    content = workbook_bytes([("操作记录", rows())])
    log_action("audit.log.exported", actor=request.user, data={"filters": request.GET.dict()})
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = attachment(f"操作记录-{timezone.localdate():%Y%m%d}.xlsx")
    return response
