"""Fixtures for the reports tests: a center's filing in a cycle, people around it, a rendered document."""

from __future__ import annotations

import io
from datetime import date

import pytest

from accounts.roles import Role
from core.testing import make_user
from reports.factories import build_published_cycle


@pytest.fixture
def centers(db):
    from centers import demo
    from centers.models import ServiceCenter

    demo.seed(stdout=io.StringIO(), password="")
    return {
        c.street_town.name: c
        for c in ServiceCenter.objects.filter(street_town__isnull=False).select_related("street_town")
    }


@pytest.fixture
def cycle(db):
    from evaluations.models import Cycle

    return Cycle.objects.create(
        year=2024,
        title="2024 年度绩效考评",
        filing_deadline=date(2025, 1, 31),
        review_deadline=date(2025, 2, 15),
        acceptance_deadline=date(2025, 2, 28),
        spot_check_deadline=date(2025, 3, 31),
    )


@pytest.fixture
def filings(centers, cycle):
    from evaluations.models import Filing

    return {name: Filing.objects.create(cycle=cycle, center=center) for name, center in centers.items()}


def simple_spec(filing, *, note: str = "第一稿"):
    """A center report of ``filing`` on the foundation's simple template (the machinery, not the layout)."""
    from reports.choices import ReportKind
    from reports.services import ReportSpec

    return ReportSpec(
        kind=ReportKind.CENTER_REPORT,
        subject_key=f"center_report/cycle-{filing.cycle_id}/center-{filing.center_id}",
        title=f"{filing.center.name} {filing.cycle.year} 年度绩效考评报告",
        template="reports/pdf/test_page.html",
        context={"requester": note, "generated_at": None, "job_id": 0, "street_towns": [filing.center.name]},
        center=filing.center,
        links={"cycle": filing.cycle, "filing": filing},
    )


@pytest.fixture
def people(centers):
    from centers.models import SupervisingUnit

    return {
        "bureau": make_user("bureau_staff", Role.BUREAU),
        "director": make_user("dir_zjj", Role.DIRECTOR, center=centers["朱家角镇"]),
        "other_director": make_user("dir_jz", Role.DIRECTOR, center=centers["金泽镇"]),
        "supervisor": make_user(
            "sup_zjj", Role.SUPERVISOR, unit=SupervisingUnit.objects.get(name="朱家角镇人民政府")
        ),
        "auditor": make_user("aud", Role.AUDITOR),
    }


@pytest.fixture
def published(centers, people):
    """A published 2025 cycle over the eleven street/town centers; ``auditor`` holds its sample."""
    cycle = build_published_cycle(
        year=2025, centers=list(centers.values()), bureau=people["bureau"], auditor=people["auditor"]
    )
    return cycle


@pytest.fixture
def small_published(centers, people):
    """The same, over three street/town centers (朱家角镇 among them) — for tests that render a whole cycle."""
    chosen = [centers[name] for name in ("朱家角镇", "金泽镇", "练塘镇")]
    return build_published_cycle(
        year=2025, centers=chosen, bureau=people["bureau"], auditor=people["auditor"]
    )
