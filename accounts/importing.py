"""Bulk import of user accounts from .xlsx and export of a (filtered) account list.

Same conventions and the same flow as the organization import (``core.import_flow``: preview, then a
job on the worker): a template with an instructions sheet; every row checked (errors name the row,
the column, the value and the fix); all or nothing. Import only creates accounts (an existing
username is an error); their one-time passwords are issued and shown once to the administrator who
imported them (and e-mailed to those with an address) from the finished job's page. The export never
contains passwords.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models.functions import Lower

from centers.models import ServiceCenter, SupervisingUnit
from core import spreadsheets
from core.audit import bulk_log, log_action
from core.errors import ApplicationError
from core.import_flow import ImportFlow, Outcome, Preview, import_work
from core.models import AuditEntry
from core.spreadsheets import RowError

from . import services
from .models import User
from .roles import Role

COLUMNS = [
    ("用户名", "username"),
    ("姓名", "full_name"),
    ("手机号码", "mobile"),
    ("电子邮箱", "email"),
    ("角色", "role"),
    ("所属服务中心", "center"),
    ("所属业务主管单位", "supervising_unit"),
    ("所在单位", "organization_name"),
]
REQUIRED_COLUMNS = ["用户名", "姓名", "角色"]
HEADER_OF = {f: h for h, f in COLUMNS}
MAX_ROWS = 5000


@dataclass
class ImportResult:
    total: int = 0
    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    created: list[tuple[User, str | None]] = field(default_factory=list)  # (user, its password if given)


def _role_by_label() -> dict[str, str]:
    out = {str(r.label): r.value for r in services.ASSIGNABLE_ROLES}
    out.update({r.value: r.value for r in services.ASSIGNABLE_ROLES})
    return out


def validate_rows(rows: list[dict]) -> ImportResult:
    """Check every row (3 queries for any number of rows); valid rows are parsed when none is wrong."""
    result = ImportResult(total=len(rows))
    roles = _role_by_label()
    centers = {c.name: c for c in ServiceCenter.objects.all()}
    units = {u.name: u for u in SupervisingUnit.objects.all()}
    wanted = {str(r["username"]).strip().lower() for r in rows}
    taken = set(
        User.objects.annotate(lower=Lower("username"))
        .filter(lower__in=wanted)
        .values_list("lower", flat=True)
    )
    seen: dict[str, int] = {}
    for row in rows:
        number = row["_row"]
        before = len(result.errors)
        data = {name: spreadsheets.cell_text(row.get(name)) for _h, name in COLUMNS}

        def error(column, message, data=data, number=number):
            result.errors.append(RowError(number, HEADER_OF[column], data[column], message))

        unknown = set()
        center = centers.get(data["center"]) if data["center"] else None
        if data["center"] and center is None:
            unknown.add("center")
            error("center", "不是已登记的服务中心名称，请填写服务中心的全称。")
        unit = units.get(data["supervising_unit"]) if data["supervising_unit"] else None
        if data["supervising_unit"] and unit is None:
            unknown.add("supervising_unit")
            error("supervising_unit", "不是已登记的业务主管单位名称，请填写单位全称。")
        values = {**data, "role": roles.get(data["role"], ""), "center": center, "supervising_unit": unit}
        for name, messages in services.field_errors(values, instance=None, taken=taken).items():
            if name in unknown:
                continue
            for message in messages:
                error(name if name in HEADER_OF else "username", message)
        key = data["username"].lower()
        if key in seen:
            error("username", f"与第 {seen[key]} 行的用户名重复，请只保留一行。")
        elif key:
            seen[key] = number
        if len(result.errors) == before:
            result.rows.append({**services.clean_data(values), "_row": number})
    if result.errors:
        result.rows = []
    return result


def _rows(name: str, source, *, head: int | None = None):
    """The sheet's rows as a stream (.xlsx only, at most ``MAX_ROWS``: refused while reading); with
    ``head``, only the sheet's first rows (a preview)."""
    return spreadsheets.iter_rows_by_header(
        spreadsheets.iter_table(name, source, csv_allowed=False, max_rows=MAX_ROWS, head=head),
        COLUMNS,
        required=REQUIRED_COLUMNS,
    )


def read_rows(name: str, data: bytes) -> list[dict]:
    return list(_rows(name, data))


def import_users(
    *, name: str, data: bytes | None = None, path=None, actor, dry_run: bool = False, progress=None
) -> ImportResult:
    """Validate and (unless ``dry_run`` or any row is wrong) create every account — all or nothing.

    The accounts are created without a usable password (nobody can sign in with them yet) and must
    change it at first sign-in; ``import_passwords_issue`` gives them their one-time passwords when the
    administrator who imported them asks to see them — so no password is ever stored in clear, not in
    the job row nor in the broker. ``result.created`` holds (user, None)."""
    services.require_manager(actor)
    rows = list(_rows(name, data if data is not None else path))
    result = validate_rows(rows)
    if progress:
        progress(result.total)
    if result.errors or dry_run:
        return result
    with transaction.atomic():
        users = []
        for row in result.rows:
            user = User(
                username=row["username"],
                full_name=row["full_name"],
                mobile=row["mobile"],
                email=row["email"],
                organization_name=row["organization_name"],
                center=row["center"],
                supervising_unit=row["supervising_unit"],
                is_staff=row["role"] == Role.BUREAU,
                must_change_password=True,
            )
            user.set_unusable_password()
            users.append(user)
        User.objects.bulk_create(users, batch_size=1000)
        groups = {g.name: g.pk for g in Group.objects.filter(name__in=[r.value for r in Role])}
        Membership = User.groups.through
        Membership.objects.bulk_create(
            [
                Membership(user_id=u.pk, group_id=groups[row["role"]])
                for u, row in zip(users, result.rows, strict=True)
            ],
            batch_size=2000,
        )
        entries = [
            AuditEntry(
                action="accounts.user.created",
                actor=actor,
                object_id=str(u.pk),
                object_repr=str(u)[:300],
                data={"after": {"username": u.username, "role": row["role"]}, "import": name},
            )
            for u, row in zip(users, result.rows, strict=True)
        ]
        user_type = ContentType.objects.get_for_model(User)
        for entry in entries:
            entry.content_type = user_type
        bulk_log(entries)  # address, request id and the hash chain, as log_action gives
        log_action("accounts.user.imported", actor=actor, data={"file": name, "created": len(users)})
    result.created = [(u, None) for u in users]
    return result


# ---- as a job on the worker (issue 16 §7; core.import_flow) ----------------------------------------
def _preview(name: str, path, params: dict) -> Preview:
    from core.import_flow import PREVIEW_ROWS, PREVIEW_SHEET_ROWS

    stream = _rows(name, path, head=PREVIEW_SHEET_ROWS)
    head = []
    for row in stream:
        head.append(row)
        if len(head) >= PREVIEW_ROWS:
            break
    stream.close()
    checked = validate_rows(head)
    return Preview(
        header=[h for h, _f in COLUMNS],
        rows=[[r["_row"], *(spreadsheets.cell_text(r.get(f)) for _h, f in COLUMNS)] for r in head],
        errors=checked.errors,
        total_hint=spreadsheets.row_count_hint(name, path),
    )


def _run(job, name: str, path: str, progress) -> Outcome:
    result = import_users(name=name, path=path, actor=job.requester, progress=progress)
    created = [u.pk for u, _p in result.created]
    return Outcome(
        total=result.total,
        errors=result.errors,
        summary=f"导入完成：新建 {len(created)} 个账号。请点击“显示一次性密码”查看并告知本人（只显示一次）。",
        result={"created": len(created), "created_ids": created},
    )


def _authorize(actor, params: dict) -> None:
    services.require_manager(actor)


USER_IMPORT = ImportFlow(
    kind="accounts.user_import",
    what="导入账号",
    task="accounts.tasks.user_import_task",
    session_key="accounts_import",
    preview=_preview,
    run=_run,
    queued_action="accounts.user.import_queued",
    authorize=_authorize,
    done_url="accounts:user_import_passwords",
    done_label="显示一次性密码",
    done_method="post",
)


def user_import_work(job, ctx) -> dict:
    """The job (accounts.tasks.user_import_task)."""
    return import_work(USER_IMPORT, job, ctx)


def import_passwords_issue(*, job_id, actor) -> list[services.PasswordIssued]:
    """The one-time passwords of the accounts a finished import created — once, for the administrator
    who started it (anyone else, or another job: 404). Hashed now (accounts/hashers.py), e-mailed to
    those with an address after commit; a second call is refused (reset a password instead)."""
    from django.http import Http404
    from django.utils import timezone

    from core.choices import JobStatus
    from core.models import Job

    services.require_manager(actor)
    with transaction.atomic():
        job = (
            Job.objects.select_for_update()
            .filter(pk=job_id, kind=USER_IMPORT.kind, requester=actor, status=JobStatus.SUCCEEDED)
            .first()
        )
        if job is None:
            raise Http404
        result = dict(job.result or {})
        if result.get("passwords_issued_at"):
            raise ApplicationError(
                "这次导入的一次性密码已显示过，不能再次显示；如有遗失，请在账号管理中为相应账号重置密码。",
                code="already_issued",
            )
        users = list(
            User.objects.filter(pk__in=result.get("created_ids") or [], password__startswith="!").order_by(
                "pk"
            )
        )
        passwords = [services.one_time_password() for _ in users]
        services.set_one_time_passwords(users, passwords)
        User.objects.bulk_update(users, ["password"], batch_size=1000)  # must change it: set at import
        result["passwords_issued_at"] = timezone.now().isoformat()
        result.pop("done", None)
        Job.objects.filter(pk=job.pk).update(result=result)
        log_action("accounts.user.passwords_issued", actor=actor, obj=job, data={"accounts": len(users)})
    # e-mailed by the caller (services.deliver_password), after this transaction has committed
    return [
        services.PasswordIssued(user=u, password=p, to_email=bool(u.email))
        for u, p in zip(users, passwords, strict=True)
    ]


# ---- writing -----------------------------------------------------------------------------------------


def template_workbook() -> bytes:
    header = [h for h, _ in COLUMNS]
    examples = [
        [
            "zhang_jinze",
            "张敏",
            "13812345678",
            "zhangmin@example.org",
            "服务中心主任/工作人员",
            "青浦区金泽镇社会组织服务中心",
            "",
            "",
        ],
        ["li_jinze_gov", "李军", "", "", "业务主管单位", "", "金泽镇人民政府", ""],
        ["wang_assessor", "王芳", "13900001111", "", "抽检评估人员", "", "", "上海某社会组织评估事务所"],
    ]
    notes = [
        ["列", "说明"],
        ["用户名", "登录名，只能用字母、数字和 @ . + - _；不能与已有账号重复（导入只新建账号）。"],
        ["姓名", "必填。"],
        ["手机号码", "1 开头的 11 位数字，可留空；列表中只显示前三位和后四位。"],
        ["电子邮箱", "可留空；填写时一次性初始密码同时发到该邮箱。"],
        ["角色", "、".join(str(r.label) for r in services.ASSIGNABLE_ROLES)],
        ["所属服务中心", "角色为“服务中心主任/工作人员”时必填，其他角色须留空；填服务中心的全称。"],
        ["所属业务主管单位", "角色为“业务主管单位”时必填，其他角色须留空；填单位全称（如 金泽镇人民政府）。"],
        ["所在单位", "角色为“抽检评估人员”时必填（评估机构名称）；其他角色可留空。"],
        ["说明", "任一行有错时整份文件不导入；导入后每个账号的一次性密码只显示一次，首次登录须修改密码。"],
        ["说明", "示例行请删除后再导入。"],
    ]
    return spreadsheets.workbook_bytes([("账号", [header, *examples])], notes=notes)


def export_users(users) -> bytes:
    """The filtered list with the import columns (no passwords) plus state and last login."""

    def rows():
        yield [h for h, _ in COLUMNS] + ["状态", "最近登录"]
        for u in users:
            yield [
                u.username,
                u.full_name,
                u.mobile,
                u.email,
                str(u.role_label),
                u.center.name if u.center_id else "",
                u.supervising_unit.name if u.supervising_unit_id else "",
                u.organization_name,
                "启用" if u.is_active else "已停用",
                u.last_login.strftime("%Y-%m-%d %H:%M") if u.last_login else "从未登录",
            ]

    return spreadsheets.workbook_bytes([("账号", rows())])
