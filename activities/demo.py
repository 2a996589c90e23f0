"""Demo registers that look like a real year (2025, and 2026 so far) for every demo center.

Idempotent: a center that has any activity team already is left alone. Rows are written with
bulk_create (a few thousand rows in well under a second); no files. 朱家角镇's center has one early
warning open for more than 30 days, so its page shows the flag; some organizations have no 年检 for
2025, some neither for 2024."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from centers.choices import CenterLevel
from centers.models import ServiceCenter, SocialOrganization

from . import models as m
from .choices import STAGE_ORDER, ProjectStage

TEAMS = [
    "广场舞队",
    "合唱团",
    "太极拳队",
    "书画社",
    "志愿者服务队",
    "邻里互助小组",
    "摄影协会",
    "沪剧沙龙",
    "编织社",
]
TRAINING_TOPICS = [
    ("信息员培训", "officer"),
    ("社会组织负责人能力建设培训", "leader"),
    ("民非会计实务培训", "finance"),
    ("年检政策咨询会", "policy"),
    ("项目申报辅导", "other"),
]
SURVEYS = ["居家养老服务需求", "青少年课后托管需求", "社区文化活动需求", "困难家庭帮扶需求"]
PROJECTS = [
    ("社区为老助餐服务项目", "commissioned", "镇人民政府"),
    ("邻里守望公益创投项目", "venture", "区民政局"),
    ("青少年成长护航项目", "tender", "镇社区事务受理服务中心"),
]


def _day(rng: random.Random, year: int, until: date) -> date:
    last = min(date(year, 12, 31), until)
    start = date(year, 1, 5)
    return start + timedelta(days=rng.randrange(max(1, (last - start).days)))


def _phone(rng):
    return f"13{rng.randrange(5, 9)}{rng.randrange(10**8):08d}"


def seed(*, stdout, password):
    today = timezone.localdate()
    centers = list(ServiceCenter.objects.select_related("street_town").order_by("pk"))
    done = set(m.ActivityTeam.objects.values_list("center_id", flat=True).distinct())
    done |= set(m.GuidanceVisit.objects.values_list("center_id", flat=True).distinct())
    done |= set(m.ResearchProject.objects.values_list("center_id", flat=True).distinct())
    organizations = list(SocialOrganization.objects.filter(status="active").order_by("pk"))
    street_towns = [c for c in centers if c.level == CenterLevel.STREET_TOWN]
    made = 0
    for center in centers:
        if center.pk in done:
            continue
        rng = random.Random(center.pk * 7919)
        if center.level == CenterLevel.STREET_TOWN:
            area = [o for o in organizations if o.street_town_id == center.street_town_id]
        elif center.level == CenterLevel.INDUSTRY:
            area = [o for o in organizations if o.industry == center.industry]
        else:
            area = organizations
        made += _seed_center(center, area, street_towns, rng, today)
    stdout.write(f"  日常工作台账：新增 {made} 条")


def _seed_center(center, area, street_towns, rng, today) -> int:
    rows: dict[type, list] = {}

    def add(obj):
        if obj.date_field:
            obj.year = getattr(obj, obj.date_field).year
        rows.setdefault(type(obj), []).append(obj)
        return obj

    years = [today.year - 1, today.year]
    if center.level == CenterLevel.STREET_TOWN:
        for i, name in enumerate(rng.sample(TEAMS, 6)):
            filed = _day(rng, 2023 + i % 3, today)
            cancelled = i == 5
            add(
                m.ActivityTeam(
                    center=center,
                    name=f"{center.street_town.name[:-1]}{name}",
                    kind=["culture", "culture", "culture", "culture", "volunteer", "neighbour"][i],
                    leader=f"{'王李张刘陈杨'[i]}{'芳敏伟静军丽'[i]}",
                    contact=_phone(rng),
                    members=rng.randrange(8, 60),
                    venue="社区文化活动中心",
                    filed_on=filed,
                    status="cancelled" if cancelled else "on_file",
                    status_on=min(filed + timedelta(days=400), today) if cancelled else None,
                )
            )
        for i in range(min(4, len(area))):
            found = _day(rng, years[i % 2], today - timedelta(days=60))
            open_case = i == 3
            if open_case:
                found = today - timedelta(days=40 + rng.randrange(20))
            add(
                m.EarlyWarning(
                    center=center,
                    organization=area[i],
                    category=["no_inspection", "leader_missing", "finance", "complaint"][i],
                    found_on=found,
                    source=["年检名单比对", "日常走访", "财务抽查", "12345 热线"][i],
                    steps=f"{found + timedelta(days=2):%Y-%m-%d} 电话联系负责人\n{found + timedelta(days=9):%Y-%m-%d} 上门走访并督促整改",
                    closed_on=None if open_case else found + timedelta(days=20),
                    outcome="" if open_case else "已整改到位",
                )
            )
        for i in range(3):
            add(
                m.SiteInspection(
                    center=center,
                    applicant_name=f"{center.street_town.name}{['睦邻', '乐龄', '青禾'][i]}社会工作服务社",
                    organization=area[-1 - i] if i == 0 and area else None,
                    inspected_on=_day(rng, years[i % 2], today),
                    inspectors="中心主任、社会组织专管员",
                    venue_checked="社区综合服务中心二楼",
                    conclusion=["pass", "pass_after_fix", "pass"][i],
                )
            )
        for index, org in enumerate(area):
            for year in (2024, 2025):
                if (year == 2025 and index % 7 == 3) or index % 11 == 5:
                    continue  # missing: one year (2025), or both years
                add(
                    m.AnnualInspection(
                        center=center,
                        organization=org,
                        year=year,
                        result="basic" if index % 9 == 2 else "pass",
                        inspected_on=date(year, 5, 10 + index % 15),
                        center_help=["reminder", "consulting", "coaching", "none"][index % 4],
                    )
                )
        for index, org in enumerate(area[:8]):
            add(
                m.InformationOfficer(
                    center=center,
                    organization=org,
                    name=f"{'赵钱孙李周吴郑王'[index]}{'晓华明红'[index % 4]}",
                    contact=_phone(rng),
                    appointed_on=date(2024, 3, 1 + index),
                    trained_on=date(2025, 4, 10) if index % 3 else None,
                )
            )
        for i in range(3):
            entered = _day(rng, 2024 + i % 2, today)
            add(
                m.Incubation(
                    center=center,
                    name=f"{center.street_town.name}{['银龄互助', '亲子成长', '绿色家园'][i]}社",
                    organization=None,
                    entered_on=entered,
                    left_on=min(entered + timedelta(days=300), today) if i == 0 else None,
                    support="免费场地、财务代理、能力培训",
                    outcome="registered" if i == 0 else "ongoing",
                )
            )
        for i, (title, kind, funder) in enumerate(PROJECTS[:2]):
            add(
                m.WelfareProject(
                    center=center,
                    title=f"{center.street_town.name}{title}",
                    kind=kind,
                    funder=funder,
                    amount=Decimal(rng.randrange(50, 400)) / 10,
                    started_on=date(2025, 2 + i, 15),
                )
            )
        for i, topic in enumerate(SURVEYS[:3]):
            add(
                m.NeedsSurvey(
                    center=center,
                    topic=topic,
                    surveyed_on=_day(rng, years[i % 2], today),
                    method=["questionnaire", "interview", "forum"][i],
                    respondents=rng.randrange(30, 300),
                )
            )
        for year in years:
            for month in range(1, 13):
                held = date(year, month, 20)
                if held > today:
                    break
                add(
                    m.CommunityMeeting(
                        center=center,
                        kind="regular",
                        held_on=held,
                        convened_by="服务中心",
                        attendees="中心全体工作人员",
                        topics="月度工作例会",
                    )
                )
                if month % 3 == 0:
                    add(
                        m.CommunityMeeting(
                            center=center,
                            kind="joint",
                            held_on=held - timedelta(days=5),
                            convened_by=f"{center.street_town.name}社区党委",
                            attendees="社区党委、民政科、各社会组织负责人",
                            topics="社会组织参与社区治理联席会议",
                        )
                    )
            add(
                m.CommunityMeeting(
                    center=center,
                    kind="governance",
                    held_on=date(year, 6, 12),
                    convened_by=f"{center.street_town.name}",
                    attendees="中心主任",
                    topics="列席社区治理工作会议",
                )
            )
    if center.level in (CenterLevel.INDUSTRY, CenterLevel.DISTRICT):
        for i in range(2):
            add(
                m.ResearchProject(
                    center=center,
                    title=["社会组织参与基层治理路径研究", "行业社会组织人才队伍现状调查"][i],
                    lead="中心主任",
                    partners="上海某高校社会学院",
                    started_on=date(2025, 3 + i * 4, 1),
                    finished_on=date(2025, 12, 20) if i == 0 else None,
                    outcome="研究报告" if i == 0 else "",
                )
            )
    if center.level == CenterLevel.INDUSTRY:
        for i, org in enumerate(area[:3]):
            add(
                m.CreditRecord(
                    center=center,
                    organization=org,
                    kind=["commitment", "evaluation", "result"][i],
                    recorded_on=date(2025, 4 + i, 8),
                    result=["签署信用承诺书", "信用评价为良好", "评价结果用于评优推荐"][i],
                )
            )
    if center.level == CenterLevel.DISTRICT:
        for i, visited in enumerate(street_towns):
            add(
                m.GuidanceVisit(
                    center=center,
                    visited_center=visited,
                    visited_on=date(2025, 3 + i % 9, 10 + i),
                    topics="台账规范与年度填报辅导",
                    follow_up="一个月后回访" if i % 2 else "",
                )
            )
    for topic, kind in TRAINING_TOPICS:
        for year in years:
            held = _day(rng, year, today)
            add(
                m.TrainingHeld(
                    center=center, topic=topic, held_on=held, kind=kind, trainees=rng.randrange(15, 80)
                )
            )
    made = 0
    for model, objs in rows.items():
        created = model.objects.bulk_create(objs)
        made += len(created)
        if model is m.TrainingHeld and area:
            through = model.organizations.through
            through.objects.bulk_create(
                [
                    through(trainingheld_id=t.pk, socialorganization_id=o.pk)
                    for t in created
                    for o in area[: 3 + t.pk % 4]
                ]
            )
        if model is m.WelfareProject:
            stages = []
            for p_index, project in enumerate(created):
                done = STAGE_ORDER[: 6 - 2 * p_index]
                for s_index, stage in enumerate(done):
                    stages.append(
                        m.WelfareProjectStage(
                            project=project,
                            stage=stage,
                            done_on=project.started_on + timedelta(days=20 * s_index),
                            result=f"{ProjectStage(stage).label}完成",
                        )
                    )
            m.WelfareProjectStage.objects.bulk_create(stages)
            if area:
                through = model.organizations.through
                through.objects.bulk_create(
                    [through(welfareproject_id=p.pk, socialorganization_id=area[0].pk) for p in created]
                )
    return made
