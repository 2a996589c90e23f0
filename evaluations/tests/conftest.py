"""Factories for the evaluation tests: the 11 street/town centers, people per role, a cycle at any stage."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import Role
from centers.choices import CenterLevel
from centers.models import ServiceCenter, StreetTown
from centers.selectors import current_district
from core.testing import make_user
from evaluations import services
from evaluations.choices import CombinationRule, CycleState
from evaluations.models import Filing

TODAY = date(2026, 12, 1)  # before the 2026 filing deadline (2026-12-31)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png() -> bytes:
    """A real 4×4 PNG (uploaded pictures are re-encoded, so a fake one is refused)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


PNG = _png()


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    return buf.getvalue()


def upload(name: str, content: bytes = PDF) -> SimpleUploadedFile:
    f = SimpleUploadedFile("x", content)
    f._name = name  # keep any path as a raw client would send it (Django's parser strips it)
    return f


@pytest.fixture
def centers(db):
    district = current_district()
    out = []
    for st in StreetTown.objects.filter(district=district).order_by("sort_order"):
        center, _ = ServiceCenter.objects.get_or_create(
            district=district,
            level=CenterLevel.STREET_TOWN,
            street_town=st,
            defaults={"name": f"青浦区{st.name}社会组织服务中心", "supervising_unit": st.supervising_unit},
        )
        out.append(center)
    return out


@pytest.fixture
def people(centers):
    zjj = next(c for c in centers if "朱家角" in c.name)
    jz = next(c for c in centers if "金泽" in c.name)
    return {
        "bureau": make_user("t_bureau", Role.BUREAU),
        "director": make_user("t_director", Role.DIRECTOR, center=zjj, email="d@example.org"),
        "other_director": make_user("t_director2", Role.DIRECTOR, center=jz),
        "supervisor": make_user(
            "t_supervisor", Role.SUPERVISOR, unit=zjj.supervising_unit, email="s@example.org"
        ),
        "other_supervisor": make_user("t_supervisor2", Role.SUPERVISOR, unit=jz.supervising_unit),
        "auditor": make_user("t_auditor", Role.AUDITOR),
        "other_auditor": make_user("t_auditor2", Role.AUDITOR),
        "zjj": zjj,
        "jz": jz,
    }


def director_of(center):
    """The center's own person (the self-assessment is theirs alone): one director per center."""
    from accounts.models import User

    existing = User.objects.filter(center=center, groups__name=Role.DIRECTOR).first()
    return existing or make_user(f"t_director_c{center.pk}", Role.DIRECTOR, center=center)


def open_cycle(year: int, actor, **fields):
    """A cycle opened with its filings created (the open job's work run in-process)."""
    from core.jobs import run_job

    cycle = services.cycle_create(year=year, actor=actor, **fields)
    job = services.cycle_open(cycle=cycle, actor=actor)
    run_job(str(job.pk), services.cycle_open_work)
    cycle.refresh_from_db()
    return cycle


FIGURES = dict.fromkeys(services.FIGURE_NAMES, 5)
# The tests' centers keep no activity registers: every figure is typed from the paper ledger.
PAPER = dict.fromkeys(services.FIGURE_NAMES, "按纸质台账填报")


def complete_filing(filing: Filing, actor, *, score_fraction=1.0, today=TODAY):
    """Fill figures, work plan, evidence and every self score; leaves it ready to submit. The self
    scores are the center's own: entered by its director whoever ``actor`` is."""
    filing = services.filing_save_figures(
        filing=filing, actor=actor, version=filing.version, values=FIGURES, figure_notes=PAPER, today=today
    )
    filing = services.filing_upload_work_plan(
        filing=filing, actor=actor, upload=upload("计划.pdf"), version=filing.version, today=today
    )
    entries = {}
    for indicator in filing.cycle.indicators.all():
        if indicator.evidence_required:
            services.evidence_upload(
                filing=filing, indicator=indicator, actor=actor, upload=upload("佐证.pdf"), today=today
            )
        if not indicator.is_computed:
            value = (
                indicator.max_score * 2 * __import__("decimal").Decimal(str(score_fraction))
            ).to_integral_value() / 2
            entries[indicator.pk] = (str(value), "自评说明")
    services.self_scores_save(
        filing=filing, actor=director_of(filing.center), entries=entries, versions={}, today=today
    )
    filing.refresh_from_db()
    return filing


def submit_all_the_way(filing: Filing, people, today=TODAY):
    complete_filing(
        filing, people["director"] if filing.center == people["zjj"] else people["bureau"], today=today
    )
    services.filing_submit(filing=filing, actor=director_of(filing.center), today=today)
    services.filing_review(filing=filing, actor=people["bureau"])
    services.filing_accept(filing=filing, actor=people["bureau"])


def to_spot_check(cycle, people):
    services.cycle_advance(
        cycle=cycle, actor=people["bureau"], to_state=CycleState.SPOT_CHECK, reason="测试：提前结束填报"
    )
    cycle.refresh_from_db()
    return cycle


def through_scoring(
    people, centers, *, year=2026, rule=CombinationRule.REPLACE, spot_fraction=Decimal("0.5")
):
    """A cycle where all 11 centers filed fully; ZJJ is sampled and scored low by the auditor."""
    bureau = people["bureau"]
    cycle = open_cycle(year, bureau, combination_rule=rule)
    for filing in Filing.objects.filter(cycle=cycle).select_related("center"):
        complete_filing(filing, bureau, today=date(year, 12, 1))
        services.filing_submit(filing=filing, actor=director_of(filing.center), today=date(year, 12, 1))
        services.filing_review(filing=filing, actor=bureau)
        services.filing_accept(filing=filing, actor=bureau)
    to_spot_check(cycle, people)
    draw = services.draw_create(cycle=cycle, actor=bureau, must_include=[people["zjj"].pk])
    for row in draw.result:
        services.assignment_set(cycle=cycle, center_id=row["id"], auditor=people["auditor"], actor=bureau)
    for row in draw.result:
        filing = Filing.objects.get(cycle=cycle, center_id=row["id"])
        entries = {}
        for indicator in cycle.indicators.all():
            if indicator.is_computed:
                entries[indicator.pk] = {"confirmed": "true"}
            else:
                fraction = spot_fraction if row["id"] == people["zjj"].pk else Decimal(1)
                entries[indicator.pk] = {
                    "score": str((indicator.max_score * fraction * 2).to_integral_value() / 2)
                }
        services.audit_scores_save(filing=filing, actor=people["auditor"], entries=entries, versions={})
        services.assignment_submit(filing=filing, actor=people["auditor"])
    services.cycle_advance(cycle=cycle, actor=bureau, to_state=CycleState.SCORING)
    cycle.refresh_from_db()
    return cycle, draw
