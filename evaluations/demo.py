"""Demo evaluation data: a finished, published 2025 cycle (filings, a draw, auditor scores, results),
so a new user sees a whole year's outcome; the 2026 cycle is left in draft for the user to open.

Everything goes through the services (the same checks and audit entries as a real year). Idempotent:
a second run finds the cycles and changes nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from core.jobs import run_job

from . import draw as draw_algorithm
from . import services
from .choices import CycleState
from .figures import computed_figures
from .models import Cycle, Filing, SeedCommitment

FILED_ON = date(2025, 12, 20)
# The demo's draw seed is fixed so that the demo year is the same on every install (its figures are
# pinned in tests): it is the first of "qingpu-demo-2025-<n>" that draws the same four centers as the
# earlier demo did with the former algorithm. A real cycle's seed is made by the portal
# (services.draw_commit) and never typed.
DEMO_SEED = "qingpu-demo-2025-80"


def _pdf(title: str) -> bytes:
    """A tiny valid PDF standing in for a scanned document."""
    body = f"BT /F1 12 Tf 40 780 Td ({title}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length " + str(len(body)).encode() + b" >>\nstream\n" + body + b"\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def _upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _pdf("demo"), content_type="application/pdf")


def _half(value: Decimal) -> Decimal:
    return (value * 2).to_integral_value() / 2


def seed(*, stdout, password):
    bureau = User.objects.get(username="bureau")
    if not Cycle.objects.filter(year=2025).exists():
        _seed_2025(bureau)
        stdout.write("  考评：2025 年度考评（已公布）")
    if not Cycle.objects.filter(year=2026).exists():
        services.cycle_create(year=2026, actor=bureau)
        stdout.write("  考评：2026 年度考评（草拟，待开启）")


def _center_staff(cycle, users: dict, bureau) -> dict:
    """A staff account for each center in scope without a demo director: its filing and
    self-assessment are its own (the bureau cannot enter them). Unusable passwords: not for login."""
    from accounts.roles import Role
    from accounts.services import grant_center

    made = {}
    for filing in Filing.objects.filter(cycle=cycle).exclude(center_id__in=users).select_related("center"):
        user, created = User.objects.get_or_create(
            username=f"center_staff_{filing.center_id}",
            defaults={"full_name": f"{filing.center.name}工作人员"},
        )
        if created:
            user.set_unusable_password()
            user.save()
        grant_center(user=user, center=filing.center, role=Role.DIRECTOR)
        made[filing.center_id] = user
    return made


def _seed_2025(bureau):
    cycle = services.cycle_create(year=2025, actor=bureau)
    job = services.cycle_open(cycle=cycle, actor=bureau, enqueue=False)
    run_job(str(job.pk), services.cycle_open_work)
    cycle.refresh_from_db()
    users = {u.center_id: u for u in User.objects.filter(center__isnull=False, groups__name="director")}
    users.update(_center_staff(cycle, users, bureau))
    supervisors = {u.supervising_unit_id: u for u in User.objects.filter(supervising_unit__isnull=False)}
    indicators = list(cycle.indicators.all())
    filings = list(
        Filing.objects.filter(cycle=cycle)
        .select_related("center")
        .order_by("center__street_town__sort_order")
    )
    for index, filing in enumerate(filings):
        actor = users[filing.center_id]  # the self-assessment is the center's own
        inflated = "朱家角" in filing.center.name
        fraction = Decimal("1") if inflated else Decimal("0.95") - Decimal("0.03") * (index % 6)
        figures = {
            "trainings_held": 2 + index % 5,
            "trainees": 60 + 13 * index,
            "information_officers_trained": 8 + index,
            "early_warnings_handled": index % 4,
            "activity_teams_on_file": 12 + 2 * index,
            "onsite_inspections": 3 + index % 3,
            "organizations_incubated": 1 + index % 3,
            "projects_undertaken": 2 + index % 4,
            "project_funding": Decimal("35.5") + 4 * index,
            "needs_surveys": 1 + index % 2,
            "joint_meetings": 2 + index % 2,
            "regular_meetings": 10 + index % 3,
        }
        # The registers give what was recorded in them; a figure they hold no row for is typed from
        # the paper ledger, with a note (the party coverage always comes from the registry).
        computed = computed_figures(filing.center, 2025)
        paper = {
            name: "部分活动记录在纸质台账中，尚未录入系统，按纸质台账填报"
            for name in figures
            if not (computed.get(name) or {}).get("row_ids")
        }
        filing = services.filing_save_figures(
            filing=filing,
            actor=actor,
            version=filing.version,
            values={name: value for name, value in figures.items() if name in paper},
            figure_notes=paper,
            work_plan=_upload("2025年度工作计划.pdf"),
            today=FILED_ON,
        )
        entries = {}
        for indicator in indicators:
            if indicator.evidence_required:
                services.evidence_upload(
                    filing=filing,
                    indicator=indicator,
                    actor=actor,
                    upload=_upload(f"{indicator.code}佐证材料.pdf"),
                    today=FILED_ON,
                )
            if not indicator.is_computed:
                entries[indicator.pk] = (str(_half(indicator.max_score * fraction)), "按年度工作台账自评")
        services.self_scores_save(filing=filing, actor=actor, entries=entries, versions={}, today=FILED_ON)
        services.filing_submit(filing=filing, actor=actor, today=FILED_ON)
        services.filing_review(
            filing=filing, actor=supervisors.get(filing.center.supervising_unit_id, bureau)
        )
        services.filing_accept(filing=filing, actor=bureau)
    SeedCommitment.objects.create(
        cycle=cycle,
        seed=DEMO_SEED,
        digest=draw_algorithm.commitment_of(DEMO_SEED),
        committed_at=timezone.now(),
        committed_by=bureau,
    )
    services.cycle_advance(cycle=cycle, actor=bureau, to_state=CycleState.SPOT_CHECK)
    zjj = next((f.center_id for f in filings if "朱家角" in f.center.name), None)
    draw = services.draw_create(cycle=cycle, actor=bureau, must_include=[zjj] if zjj else [])
    auditor = User.objects.get(username="auditor1")
    for row in draw.result:
        services.assignment_set(cycle=cycle, center_id=row["id"], auditor=auditor, actor=bureau)
        filing = next(f for f in filings if f.center_id == row["id"])
        strict = row["id"] == zjj
        entries = {}
        for indicator in indicators:
            if indicator.is_computed:
                entries[indicator.pk] = {"confirmed": "true", "comment": "与台账一致"}
            else:
                factor = Decimal("0.55") if strict else Decimal("0.85")
                entries[indicator.pk] = {
                    "score": str(_half(indicator.max_score * factor)),
                    "comment": "佐证材料不足，部分活动无签到记录" if strict else "基本属实",
                }
        services.audit_scores_save(filing=filing, actor=auditor, entries=entries, versions={})
        services.assignment_submit(filing=filing, actor=auditor)
    services.cycle_advance(cycle=cycle, actor=bureau, to_state=CycleState.SCORING)
    job = services.results_request(cycle=cycle, actor=bureau, enqueue=False)
    run_job(str(job.pk), services.results_work)
    services.cycle_publish(cycle=cycle, actor=bureau, queue_reports=False)
    return cycle
