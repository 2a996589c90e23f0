"""The permission matrix, generated — not listed by hand.

Every URL pattern comes from the resolver and every API operation from drf-spectacular's schema;
each method is sent as each of eleven personas, and the outcome is checked against the view's
declaration (``core.access``):

- allowed → neither 401/403/404/405 nor a redirect to the login page (a 400 form error or a refusal
  message from a service counts as "let through": the test is about who gets in, not about the body);
- a signed-in persona left out → 404, never 403;
- anonymous and deactivated users → the login page (the API: 401/403, as DRF answers today);
- a method the declaration leaves out → 405.

Object routes are filled with objects of center A (朱家角镇's center of the demo data); "in scope" of
A are its director, its supervising unit's user and the auditor assigned to its filing. Every write
runs in a savepoint that is rolled back (and on a copy of the media folder), so nothing a persona
does changes what the next one sees.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import time
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from accounts.roles import Role
from core.access import NAMESPACE_DECLARATIONS, Access, Reach, declaration_of
from core.testing import make_user

PERSONAS = (
    "anonymous",
    "bureau",
    "account_admin",
    "audit_admin",
    "director_a",
    "director_b",
    "supervisor_a",
    "supervisor_other",
    "auditor_a",
    "auditor_other",
    "deactivated",
)
PERSONA_ROLES = {
    "bureau": Role.BUREAU,
    "account_admin": Role.ACCOUNT_ADMIN,
    "audit_admin": Role.AUDIT_ADMIN,
    "director_a": Role.DIRECTOR,
    "director_b": Role.DIRECTOR,
    "supervisor_a": Role.SUPERVISOR,
    "supervisor_other": Role.SUPERVISOR,
    "auditor_a": Role.AUDITOR,
    "auditor_other": Role.AUDITOR,
}
SIGNED_OUT = {"anonymous", "deactivated"}  # a deactivated user's session and token fail at once
IN_SCOPE_OF_A = frozenset({"director_a", "supervisor_a", "auditor_a"})
OWNER_OF_A_OBJECTS = frozenset({"director_a"})  # e.g. the job that A's director requested
READ, WRITE = ("GET",), ("POST",)  # HEAD is answered as GET; pages take no PUT/PATCH/DELETE
API_PREFIX = "api/v1/"


# ---- what the resolver and the schema hold ----------------------------------------------------------
@dataclass(frozen=True)
class Route:
    path: str  # the pattern, e.g. "centers/<int:pk>/"
    namespace: str
    name: str | None
    callback: object
    kwargs: tuple[str, ...]

    @property
    def label(self) -> str:
        view = getattr(self.callback, "__qualname__", repr(self.callback))
        module = getattr(self.callback, "__module__", "?")
        named = f"{self.namespace}:{self.name}" if self.namespace else (self.name or "(no name)")
        return f"/{self.path} ({named}, {module}.{view})"


def url_routes(resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from url_routes(entry, route, inner)
        elif isinstance(entry, URLPattern):
            yield Route(route, namespace, entry.name, entry.callback, tuple(entry.pattern.regex.groupindex))


def undeclared_message(route: Route) -> str:
    return (
        f"The view behind {route.label} declares no access. Declare who may use it with "
        "core.access: a function view gets `@access(read=..., write=...)` above its other decorators; "
        "a class view or DRF viewset gets `@access(...)` on the class (viewset actions may differ: "
        "`@access(read=..., write=..., create=BUREAU)`); a view that is not ours is wrapped in urls.py "
        "as `access(read=...)(SomeView.as_view())`. Audiences: PUBLIC, SIGNED_IN, OWN, roles(Role.X, ...), "
        "in_scope(Role.X, ...) and the shorthands BUREAU, CENTER_READERS, CENTER_EDITORS, FILING_READERS, "
        "TAKING_PART (see core/access.py)."
    )


def api_operations():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        for method in operations:
            if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}:
                yield path, method.upper()


# ---- expectations from the declaration ---------------------------------------------------------------
def expected(declaration: Access, method: str, action: str | None, persona: str, *, object_route, scope):
    """One of "allowed", "login", "404", "405"."""
    audience = declaration.audience(method, action)
    if audience.is_nobody:
        return "405"
    if audience.public:
        return "allowed"
    if persona in SIGNED_OUT:
        return "login"
    if audience.signed_in:
        return "allowed"
    if audience.own and (not object_route or persona in OWNER_OF_A_OBJECTS):
        return "allowed"
    reach = audience.reach_of(PERSONA_ROLES[persona])
    if reach == Reach.EVERY:
        return "allowed"
    if reach == Reach.SCOPE and (not object_route or persona in scope):
        return "allowed"
    return "404"


def outcome(response, *, api: bool, public: bool) -> str:
    status = response.status_code
    if status == 404:
        return "404"
    if status == 405:
        return "405"
    if status in (401, 403):
        return "login" if api else "403"
    if status >= 500 and status != 503:  # 503: /healthz reporting a missing worker, which is its answer
        return f"{status}"
    if status in (301, 302) and not public:
        location = response.get("Location", "")
        if location.startswith(resolve_url(settings.LOGIN_URL)) or location.startswith("/admin/login/"):
            return "login"
    return "allowed"


# ---- the personas and center A's objects --------------------------------------------------------------
@pytest.fixture
def matrix(demo, settings, tmp_path):
    from django.core.files.base import ContentFile
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from centers.models import GovernanceRule, ServiceCenter, SocialOrganization, SupervisingUnit, Venue
    from core.jobs import job_create
    from evaluations.models import Cycle, Evidence, Filing
    from reports.models import ReportDocument
    from staffing.models import StaffMember, TalentProfile, Training

    # Writes may delete files (a contract, evidence): they happen on a copy of the media folder.
    media = tmp_path / "media"
    # (Leaving out the files a restore or an upload is writing at this moment: they are renamed away
    # while the copy runs, which made copytree fail once in a clean-clone run.)
    shutil.copytree(
        settings.MEDIA_ROOT,
        media,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns(".restoring-*", "*.part*"),
    )
    storages = copy.deepcopy(settings.STORAGES)
    storages["default"]["OPTIONS"] = {"location": str(media)}
    settings.STORAGES = storages
    settings.MEDIA_ROOT = str(media)

    # The matrix is about who gets in, not about login controls: no second factor or password expiry
    # interposes a redirect of its own (settings of the login controls; harmless where they are absent).
    settings.TWO_FACTOR_ROLES = ()
    settings.PASSWORD_MAX_AGE_DAYS = 0

    center_a = ServiceCenter.objects.get(street_town__name="朱家角镇", level="street_town")
    center_b = ServiceCenter.objects.get(street_town__name="金泽镇", level="street_town")
    users = {
        "bureau": User.objects.get(username="bureau"),
        "account_admin": make_user("matrix_useradmin", Role.ACCOUNT_ADMIN),
        "audit_admin": make_user("matrix_auditadmin", Role.AUDIT_ADMIN),
        "director_a": User.objects.get(username="director_zhujiajiao"),
        "director_b": User.objects.get(username="director_jinze"),
        "supervisor_a": User.objects.get(username="supervisor_zhujiajiao"),
        "supervisor_other": make_user(
            "matrix_supervisor_jinze", Role.SUPERVISOR, unit=center_b.supervising_unit
        ),
        "auditor_a": User.objects.get(username="auditor1"),
        "auditor_other": make_user("matrix_auditor2", Role.AUDITOR),
        "deactivated": make_user("matrix_deactivated", Role.DIRECTOR, center=center_a),
    }
    assert center_a.supervising_unit_id == users["supervisor_a"].supervising_unit_id
    assert center_b.supervising_unit_id != center_a.supervising_unit_id
    assert SupervisingUnit.objects.filter(pk=users["supervisor_other"].supervising_unit_id).exists()

    pages, apis = {}, {}
    for persona in PERSONAS:
        page_client, api_client = Client(), Client()
        user = users.get(persona)
        if user is not None:
            page_client.force_login(user, backend="accounts.backends.PortalModelBackend")
            token, _ = Token.objects.get_or_create(user=user)
            api_client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
        pages[persona], apis[persona] = page_client, api_client
    # Deactivated after signing in: the session and the token it holds must fail at once.
    users["deactivated"].is_active = False
    users["deactivated"].save(update_fields=["is_active"])

    cycle = Cycle.objects.get(year=2025)
    filing = Filing.objects.get(cycle=cycle, center=center_a)
    from evaluations.models import Assignment as _Assignment

    assert _Assignment.objects.filter(filing=filing, auditor=users["auditor_a"]).exists()
    evidence = Evidence.objects.filter(filing=filing).order_by("pk").first()
    indicator = cycle.indicators.order_by("pk").first()
    report = ReportDocument.objects.filter(center=center_a, cycle=cycle).order_by("pk").first()
    job = job_create(kind="test_pdf", label="测试", requester=users["director_a"])
    job.output_file.save("matrix-job.pdf", ContentFile(b"%PDF-1.4 matrix"), save=True)
    # the row errors a failed import keeps (core.import_errors), for 下载错误清单
    job.result = {"row_errors": [{"row": 2, "column": "名称", "value": "", "message": "必填"}]}
    job.save(update_fields=["result"])
    # an audit archive (core.audit.archive_and_purge writes these), for the audit admin's download
    import gzip
    from pathlib import Path

    from django.conf import settings as django_settings

    from core.audit import ARCHIVE_DIR, log_action

    archive_dir = Path(django_settings.MEDIA_ROOT) / ARCHIVE_DIR
    archive_dir.mkdir(parents=True, exist_ok=True)
    (archive_dir / "audit-matrix.jsonl.gz").write_bytes(gzip.compress(b"{}\n"))
    audit_entry = log_action("core.matrix.sample")

    venue = Venue.objects.filter(center=center_a).order_by("pk").first()
    rule = GovernanceRule.objects.filter(center=center_a).order_by("pk").first()
    if rule is None or not rule.document:
        rule = rule or GovernanceRule(center=center_a, kind="finance", title="财务管理制度")
        rule.document.save("matrix-rule.pdf", ContentFile(b"%PDF-1.4 matrix"), save=False)
        rule.save()
    member = StaffMember.objects.filter(center=center_a).order_by("pk").first()
    if not member.contract:
        member.contract.save("matrix-contract.pdf", ContentFile(b"%PDF-1.4 matrix"), save=True)
    training = Training.objects.filter(center=center_a).order_by("pk").first()
    talent = TalentProfile.objects.order_by("pk").first()
    organization = SocialOrganization.objects.filter(street_town=center_a.street_town).order_by("pk").first()
    assert all([evidence, indicator, report, venue, member, training, talent, organization]), (
        "the demo data lacks an object the matrix needs"
    )

    # Path kwargs per URL name; "scope" overrides who of the personas has the object in scope.
    nobody = frozenset()
    page_samples = {
        "core:audit_archive_download": {"name": "audit-matrix.jsonl.gz"},
        # 账号管理: an account the account administrator manages (director of A)
        "accounts:user_edit": {"pk": users["director_a"].pk},
        "accounts:user_set_active": {"pk": users["director_a"].pk},
        "accounts:user_unlock": {"pk": users["director_a"].pk},
        "accounts:user_reset_password": {"pk": users["director_a"].pk},
        "core:job_detail": {"pk": job.pk},
        "core:job_retry": {"pk": job.pk},
        "core:job_status": {"pk": job.pk},
        "core:job_download": {"pk": job.pk},
        "core:job_errors": {"pk": job.pk},
        "centers:center_detail": {"pk": center_a.pk},
        "centers:center_history": {"pk": center_a.pk},
        "centers:center_edit": {"pk": center_a.pk},
        "centers:record_create": {"center_pk": center_a.pk, "kind": "venue"},
        "centers:record_edit": {"center_pk": center_a.pk, "kind": "venue", "pk": venue.pk},
        "centers:record_delete": {"center_pk": center_a.pk, "kind": "venue", "pk": venue.pk},
        "centers:document": {"model": "governancerule", "pk": rule.pk, "field": "document"},
        "centers:organization_edit": {"pk": organization.pk},
        "centers:organization_rating_create": {"pk": organization.pk},
        "staffing:roster": {"center_pk": center_a.pk},
        "staffing:roster_export": {"center_pk": center_a.pk},
        "staffing:member_create": {"center_pk": center_a.pk},
        "staffing:member_detail": {"pk": member.pk},
        "staffing:member_edit": {"pk": member.pk},
        "staffing:member_end": {"pk": member.pk},
        "staffing:member_delete": {"pk": member.pk},
        "staffing:contract_download": {"pk": member.pk},
        "staffing:training_list": {"center_pk": center_a.pk},
        "staffing:training_create": {"center_pk": center_a.pk},
        "staffing:training_edit": {"pk": training.pk},
        "staffing:training_delete": {"pk": training.pk},
        "staffing:talent_edit": {"pk": talent.pk},
        "staffing:talent_delete": {"pk": talent.pk},
        "reports:document_detail": {"pk": report.pk},
        "reports:document_download": {"pk": report.pk},
        "reports:cycle_zip": {"cycle_pk": cycle.pk},
        "reports:cycle_render": {"cycle_pk": cycle.pk},
        # the printable draw record: the bureau's, and the auditor's holding an assignment that year
        "reports:draw_record": {"cycle_pk": cycle.pk},
        "reports:verify_code": {"code": report.verification_code},
        "disclosure:center_detail": {"pk": center_a.pk},
        # the public draw record of the demo year (no login): page and JSON file
        "disclosure:draw_record": {"year": cycle.year},
        "disclosure:draw_record_json": {"year": cycle.year},
        "evaluations:evidence_download": {"pk": evidence.pk},
        "evaluations:evidence_delete": {"pk": evidence.pk},
    }
    for name in [
        "cycle_detail",
        "cycle_edit",
        "rubric_copy",
        "indicator_create",
        "cycle_open",
        "cycle_advance",
        "cycle_close_filing",
        "cycle_board",
        "cycle_draw",
        "cycle_draw_verify",
        "cycle_assignments",
        "cycle_results",
        "results_compute",
        "results_correct",
        "results_export",
        "batch_accept",
        "batch_remind",
        "draw_record_export",
    ]:
        page_samples[f"evaluations:{name}"] = {"pk": cycle.pk}
    page_samples["evaluations:cycle_finalize"] = {"pk": cycle.pk}
    for name in ("indicator_edit", "indicator_delete"):
        page_samples[f"evaluations:{name}"] = {"pk": cycle.pk, "indicator_pk": indicator.pk}
    # 复核 and 整改: a review request of A (filed by its director) and a rectification item of A.
    from evaluations.models import Rectification, Result, ReviewRequest

    result_a = Result.objects.get(result_set__cycle=cycle, result_set__is_current=True, center=center_a)
    review = ReviewRequest.objects.create(
        cycle=cycle, center=center_a, result=result_a, reasons="对抽检分有异议", filed_by=users["director_a"]
    )
    review.evidence.save("matrix-review.pdf", ContentFile(b"%PDF-1.4 matrix"), save=True)
    rectification, _ = Rectification.objects.get_or_create(
        cycle=cycle,
        center=center_a,
        key="matrix",
        defaults={
            "filing": filing,
            "kind": "gap",
            "finding": "矩阵样例问题",
            "deadline": cycle.filing_deadline,
        },
    )
    rectification.evidence.save("matrix-rectification.pdf", ContentFile(b"%PDF-1.4 matrix"), save=True)
    for name in ("review_request_detail", "review_request_decide", "review_request_evidence"):
        page_samples[f"evaluations:{name}"] = {"pk": review.pk}
    for name in (
        "rectification_detail",
        "rectification_submit",
        "rectification_review",
        "rectification_close",
        "rectification_evidence",
    ):
        page_samples[f"evaluations:{name}"] = {"pk": rectification.pk}
    for name in [
        "filing_detail",
        "filing_edit",
        "self_assessment",
        "evidence_upload",
        "work_plan_download",
        "filing_submit",
        "filing_review",
        "filing_accept",
        "filing_return",
        "filing_reopen",
        "audit_score",
        "audit_score_correct",
    ]:
        page_samples[f"evaluations:{name}"] = {"pk": filing.pk}
    # The talent pool is kept by the district center: none of the personas is its director.
    scope_overrides = dict.fromkeys(
        (
            "staffing:talent_create",
            "staffing:talent_edit",
            "staffing:talent_delete",
            "staffing:talent_import",
            "staffing:talent_import_commit",
            "staffing:talent_template",
        ),
        nobody,
    )
    # Writes whose view looks up a second object named in the body (a missing one is a 404 that says
    # nothing about access): the body names one of A's, and is still incomplete.
    other_cycle = Cycle.objects.exclude(pk=cycle.pk).order_by("pk").first()
    page_bodies = {
        "evaluations:rubric_copy": {"source": other_cycle.pk},
        "evaluations:evidence_upload": {"indicator": indicator.pk},
        "evaluations:audit_score_correct": {"indicator": indicator.pk},
    }
    api_bodies = {"audit-score-submit": {"filing": filing.pk}}
    # By basename or URL name: the talent pool's keeper is the district center; ``submit`` names A's
    # filing in its body, so it is a route on A's filing.
    api_scope_overrides = {"talent-profile": nobody, "audit-score-submit": IN_SCOPE_OF_A}
    api_samples = {
        "center": center_a.pk,
        "district": center_a.district_id,
        "venue": venue.pk,
        "governance-rule": rule.pk,
        "social-organization": organization.pk,
        "staff-member": member.pk,
        "training": training.pk,
        "talent-profile": talent.pk,
        "evaluation-cycle": cycle.pk,
        "evaluation-indicator": indicator.pk,
        "filing": filing.pk,
        "evidence": evidence.pk,
        "report-document": report.pk,
        "auditentry": audit_entry.pk,
        "user": users["director_a"].pk,
        "review-request": review.pk,
        "rectification": rectification.pk,
    }
    from centers.models import (
        ArchiveInventory,
        BankAccount,
        BoardMember,
        HandOver,
        IncomeLine,
        Meeting,
        PurchaseContract,
        RatingRecord,
        SealCustodian,
        Supervisor,
    )
    from evaluations.models import Assignment, AuditScore, Draw, Result, SelfScore

    optional = {
        "bank-account": BankAccount.objects.filter(center=center_a),
        "income-line": IncomeLine.objects.filter(center=center_a),
        "purchase-contract": PurchaseContract.objects.filter(center=center_a),
        "board-member": BoardMember.objects.filter(center=center_a),
        "supervisor": Supervisor.objects.filter(center=center_a),
        "meeting": Meeting.objects.filter(center=center_a),
        "seal-custodian": SealCustodian.objects.filter(center=center_a),
        "hand-over": HandOver.objects.filter(center=center_a),
        "archive-inventory": ArchiveInventory.objects.filter(center=center_a),
        "rating": RatingRecord.objects.filter(center=center_a),
        "self-score": SelfScore.objects.filter(filing=filing),
        "audit-score": AuditScore.objects.filter(filing=filing),
        "sample": Draw.objects.filter(cycle=cycle),
        "evaluation-assignment": Assignment.objects.filter(filing=filing),
        "evaluation-result": Result.objects.filter(center=center_a, result_set__is_current=True),
    }
    for basename, queryset in optional.items():
        found = queryset.order_by("pk").values_list("pk", flat=True).first()
        assert found is not None, f"the demo data has no {basename} of center A"
        api_samples[basename] = found
    # The registers of daily work (activities): one sample register stands for the generic page routes;
    # every register's API has its own sample. Lists, exports and the create/import forms name no
    # center (each reader sees, each director writes, their own): in scope for every reader.
    from django.contrib.contenttypes.models import ContentType

    from activities.api.views import VIEWSETS
    from activities.models import Attachment, EarlyWarning, WelfareProject

    warning = EarlyWarning.objects.filter(center=center_a).order_by("pk").first()
    project = WelfareProject.objects.filter(center=center_a).order_by("pk").first()
    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(EarlyWarning), object_id=warning.pk
    )
    attachment.name = "matrix-evidence.pdf"
    attachment.file.save("matrix-evidence.pdf", ContentFile(b"%PDF-1.4 matrix"), save=False)
    attachment.save()
    readers = frozenset({"director_a", "director_b", "supervisor_a", "supervisor_other"})
    for name in ("list", "export"):
        page_samples[f"activities:{name}"] = {"register": "early-warnings"}
        scope_overrides[f"activities:{name}"] = readers
    for name in ("create", "import", "template"):
        page_samples[f"activities:{name}"] = {"register": "early-warnings"}
        scope_overrides[f"activities:{name}"] = frozenset({"director_a", "director_b"})
    for name in ("detail", "edit", "delete", "attachment_upload"):
        page_samples[f"activities:{name}"] = {"register": "early-warnings", "pk": warning.pk}
    for name in ("attachment_download", "attachment_delete"):
        page_samples[f"activities:{name}"] = {"pk": attachment.pk}
    page_samples["activities:stage_add"] = {"pk": project.pk}
    for viewset in VIEWSETS.values():
        register = viewset.register
        basename = register.slug.rstrip("s") if register.slug.endswith("s") else register.slug
        rows = register.model.objects.order_by("pk")
        if center_a.level in register.levels:
            api_samples[basename] = rows.filter(center=center_a).values_list("pk", flat=True).first()
        else:  # kept by the district or an industry center: none of the personas is its director
            api_samples[basename] = rows.values_list("pk", flat=True).first()
            api_scope_overrides[f"{basename}-detail"] = nobody
        assert api_samples[basename], f"the demo data has no {register.label}"

    yield {
        "pages": pages,
        "apis": apis,
        "page_samples": page_samples,
        "scope_overrides": scope_overrides,
        "api_samples": api_samples,
        "page_bodies": page_bodies,
        "api_bodies": api_bodies,
        "api_scope_overrides": api_scope_overrides,
    }
    from django.core.cache import cache

    cache.clear()  # the token endpoint's throttle counted these requests


def _send(client: Client, method: str, url: str, *, api: bool, body: dict | None = None):
    """One request in a savepoint that is rolled back; the client's cookies are put back too."""
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        if method in ("GET", "HEAD"):
            response = getattr(client, method.lower())(url)
        elif api:
            response = client.generic(
                method, url, data=json.dumps(body or {}), content_type="application/json"
            )
        else:
            response = client.post(url, data=body or {})
        transaction.set_rollback(True)
    client.cookies = cookies
    return response


ADMIN_KWARGS = {"app_label": "centers", "url": "x/"}


def _admin_url(route: Route) -> str:
    name = f"{route.namespace}:{route.name}"
    if route.kwargs:
        return reverse(name, kwargs={k: ADMIN_KWARGS.get(k, "1") for k in route.kwargs})
    groups = re.compile(route.path.replace("^", "").replace("$", "")).groups if "(" in route.path else 0
    return reverse(name, args=["1"] * groups)


TIMINGS: list = []


@pytest.fixture(autouse=True, scope="module")
def _timings():
    yield
    import os

    if os.environ.get("MATRIX_TIMINGS"):
        with open(os.environ["MATRIX_TIMINGS"], "w") as out:
            for row in sorted(TIMINGS, reverse=True)[:60]:
                out.write(f"{row[0]:.3f} {row[1]} {row[2]} {row[3]}\n")
            out.write(f"total {sum(r[0] for r in TIMINGS):.1f}s over {len(TIMINGS)}\n")


# ---- the tests -----------------------------------------------------------------------------------------
def test_every_url_pattern_declares_who_may_use_it():
    missing = [
        undeclared_message(route)
        for route in url_routes()
        if declaration_of(route.callback, route.namespace) is None
    ]
    assert not missing, "\n".join(missing)


def test_an_undeclared_view_is_named_with_how_to_declare_it():
    def secret_page(request):
        return None

    route = Route("secret/<int:pk>/", "centers", "secret", secret_page, ("pk",))
    assert declaration_of(secret_page) is None
    message = undeclared_message(route)
    assert "/secret/<int:pk>/ (centers:secret" in message
    assert "secret_page" in message and "@access(read=..., write=...)" in message


def test_pages_answer_every_persona_as_declared(matrix):
    samples, overrides = matrix["page_samples"], matrix["scope_overrides"]
    problems, checked = [], 0
    routes = [r for r in url_routes() if not r.path.startswith(API_PREFIX)]
    plan = []  # (method, route, url, declaration, object_route, scope)
    for route in routes:
        declaration = declaration_of(route.callback, route.namespace)
        assert declaration is not None, undeclared_message(route)
        if route.namespace.split(":")[0] in NAMESPACE_DECLARATIONS:
            continue  # the Django admin: checked below
        full_name = f"{route.namespace}:{route.name}" if route.namespace else route.name
        if route.kwargs:
            assert full_name in samples, f"{route.label}: add an object of center A to page_samples"
            url = reverse(full_name, kwargs=samples[full_name])
        else:
            url = reverse(full_name)
        scope = overrides.get(full_name, IN_SCOPE_OF_A)
        body = matrix["page_bodies"].get(full_name)
        object_route = bool(route.kwargs) or full_name in overrides
        for method in READ + WRITE:
            plan.append((method, route, url, declaration, object_route, scope, body))
    # Reads first, for every persona, then writes: a write (rolled back) never runs before a read.
    plan.sort(key=lambda item: item[0] in WRITE)
    for method, route, url, declaration, object_route, scope, body in plan:
        public = declaration.audience(method).public
        personas = PERSONAS
        if route.name == "api-schema":
            # The same document for everyone, and generating it takes seconds: two personas stand for all.
            personas = ("anonymous", "bureau")
        for persona in personas:
            want = expected(declaration, method, None, persona, object_route=object_route, scope=scope)
            started = time.perf_counter()
            response = _send(matrix["pages"][persona], method, url, api=False, body=body)
            TIMINGS.append((time.perf_counter() - started, method, url, persona))
            got = outcome(response, api=False, public=public)
            checked += 1
            if got != want:
                problems.append(f"{method} {url} as {persona}: expected {want}, got {got}  [{route.label}]")
    assert not problems, f"{len(problems)} of {checked} requests disagree:\n" + "\n".join(problems)


def test_the_admin_turns_away_everyone_but_staff(matrix):
    """Every admin URL sends the non-staff personas to the admin's login (Django's admin_view wraps
    each of them the same way, so GET stands for every method)."""
    problems = []
    admin_routes = [r for r in url_routes() if r.namespace == "admin" and r.name]
    assert admin_routes
    outsiders = ("anonymous", "deactivated", "account_admin", "audit_admin", "director_a", "auditor_a")
    for route in admin_routes:
        url = _admin_url(route)
        if route.name in ("login", "logout"):  # the admin's own way in and out: open to everyone
            for persona in outsiders:
                status = _send(matrix["pages"][persona], "GET", url, api=False).status_code
                if status not in (200, 302, 405):
                    problems.append(f"GET {url} as {persona}: {status}")
            continue
        for persona in outsiders:
            response = _send(matrix["pages"][persona], "GET", url, api=False)
            if response.status_code != 302 or not response["Location"].startswith("/admin/login/"):
                problems.append(f"GET {url} as {persona}: {response.status_code}")
    index = _send(matrix["pages"]["bureau"], "GET", reverse("admin:index"), api=False)
    assert index.status_code == 200
    assert not problems, "\n".join(problems)


def test_api_operations_answer_every_persona_as_declared(matrix):
    samples = matrix["api_samples"]
    problems, checked = [], 0
    plan = []
    for path, method in api_operations():
        placeholder = re.search(r"\{(\w+)\}", path)
        probe = re.sub(r"\{\w+\}", "1", path)
        match = resolve(probe)
        object_route = placeholder is not None
        candidates = [b for b in samples if (match.url_name or "").startswith(f"{b}-")]
        basename = max(candidates, key=len) if candidates else ""
        if object_route:
            assert candidates, f"{method} {path}: add an object of center A to api_samples ({match.url_name})"
            url = re.sub(r"\{\w+\}", str(samples[basename]), path)
        else:
            url = path
        declaration = declaration_of(match.func)
        route = Route(path.lstrip("/"), "", match.url_name, match.func, ())
        assert declaration is not None, undeclared_message(route)
        actions = getattr(match.func, "actions", None) or {}
        action = actions.get(method.lower())
        scope = IN_SCOPE_OF_A
        for key in (match.url_name, basename):
            if key in matrix["api_scope_overrides"]:
                object_route, scope = True, matrix["api_scope_overrides"][key]
                break
        body = matrix["api_bodies"].get(match.url_name)
        plan.append((method, url, declaration, action, object_route, scope, body, route))
    assert len(plan) > 50, "the schema lists fewer operations than expected"
    plan.sort(key=lambda item: item[0] not in READ)
    for method, url, declaration, action, object_route, scope, body, route in plan:
        public = declaration.audience(method, action).public
        for persona in PERSONAS:
            want = expected(declaration, method, action, persona, object_route=object_route, scope=scope)
            started = time.perf_counter()
            response = _send(matrix["apis"][persona], method, url, api=True, body=body)
            TIMINGS.append((time.perf_counter() - started, method, url, persona))
            got = outcome(response, api=True, public=public)
            checked += 1
            if got != want:
                problems.append(f"{method} {url} as {persona}: expected {want}, got {got}  [{route.label}]")
    assert not problems, f"{len(problems)} of {checked} requests disagree:\n" + "\n".join(problems)
