"""Demo rosters, trainings and the talent pool (idempotent: rows are found by center and name).

Every demo center gets a plausible roster, its full-time staff sized to the policy's requirement for
the demo's social organizations; 金泽镇 and 白鹤镇 are one short of the full-time ratio, and
练塘镇 has one labor contract below the Shanghai minimum wage (R-PAY-3). The district center keeps a
talent pool of 36 people.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from centers.choices import CenterLevel
from centers.models import ServiceCenter
from core.selectors import policy_values

from .choices import ExpertiseField, Gender, Position, SocialWorkerLevel, StaffKind
from .models import StaffMember, TalentProfile, Training
from .selectors import organization_counts, required_full_time

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余杜叶程苏魏吕丁沈"
GIVEN = [
    "敏",
    "静",
    "伟",
    "芳",
    "磊",
    "洁",
    "军",
    "丽",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
    "佳",
    "颖",
    "晨",
    "欣",
    "浩",
    "婷",
    "宇",
    "琳",
    "鹏",
    "倩",
    "斌",
    "雪",
    "华",
    "玲",
    "亮",
    "红",
    "辉",
    "燕",
    "凯",
    "晶",
    "峰",
    "萍",
]
DIRECTORS = {"朱家角镇": "陈洁", "金泽镇": "李强"}
SHORT_OF_RATIO = {"金泽镇", "白鹤镇"}
BELOW_MINIMUM_WAGE = "练塘镇"
ORGANIZATIONS = [
    "青浦区益心社会工作服务社",
    "青浦区朱家角镇乐龄志愿者协会",
    "青浦区阳光青少年事务服务中心",
    "青浦区和谐社区发展促进会",
    "青浦区青禾公益服务中心",
    "青浦区金泽镇水乡文化促进会",
    "青浦区夏阳街道邻里互助服务社",
    "青浦区盈浦心理健康服务中心",
    "青浦区公益法律服务中心",
    "青浦区社会组织财务服务社",
]
EXPERTISE_DETAILS = {  # field → (what they do, a matching certificate)
    "social_work": ("社区治理项目设计与督导", "社会工作师"),
    "finance": ("社会组织财务规范与审计", "注册会计师"),
    "law": ("社会组织章程与合同审查", "律师执业证"),
    "management": ("理事会建设与内部治理", "高级经济师"),
    "party_building": ("社会组织党建工作指导", ""),
    "project": ("公益创投项目评审与绩效评估", "项目管理专业人员（PMP）"),
    "education": ("社会组织从业人员培训", "高级讲师"),
    "elderly_care": ("社区居家养老服务", "养老护理员（高级）"),
    "psychology": ("心理健康服务与危机干预", "心理咨询师（二级）"),
    "it": ("信息公开与数据管理", "信息系统项目管理师"),
    "other": ("志愿服务管理", ""),
}
# A minimal PDF: the demo's signed agreements of rehired staff (R-PAY-5).
DEMO_AGREEMENT = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        if name not in used:
            used.add(name)
            return name


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"


def _plan(center: ServiceCenter, required: int | None) -> list[dict]:
    """The roster of one center: a director who is the legal representative, then the others."""
    rng = random.Random(f"staffing-demo:{center.name}")
    town = center.street_town.name if center.street_town_id else ""
    used: set[str] = set()
    director = DIRECTORS.get(town) or _name(rng, used)
    used.add(director)
    if required is None:  # industry center: no fixed ratio (R-STAFF-3)
        full_time = rng.choice([2, 3])
    elif town in SHORT_OF_RATIO:
        full_time = max(1, required - 1)
    else:
        full_time = max(required, 2) + (1 if rng.random() < 0.3 else 0)
    people = [
        {
            "name": director,
            "kind": StaffKind.FULL_TIME,
            "position": Position.DIRECTOR,
            "is_legal_representative": True,
            "start_date": date(2016, 3, 1),
            "post_grade": "一岗3级",
            "monthly_pay": Decimal("9800"),
            "social_worker_level": SocialWorkerLevel.INTERMEDIATE,
        }
    ]
    positions = [
        Position.DEPUTY_DIRECTOR,
        Position.FINANCE,
        Position.PROJECT,
        Position.PROJECT,
        Position.ADMINISTRATION,
    ]
    for i in range(full_time - 1):
        people.append(
            {
                "name": _name(rng, used),
                "kind": StaffKind.FULL_TIME,
                "position": positions[i] if i < len(positions) else Position.PROJECT,
                "start_date": date(rng.randint(2017, 2024), rng.randint(1, 12), 1),
                "post_grade": f"{rng.choice(['二', '三'])}岗{rng.randint(2, 9)}级",
                "monthly_pay": Decimal(rng.randrange(6500, 8800, 100)),
                "social_worker_level": rng.choice(
                    [SocialWorkerLevel.ASSISTANT, SocialWorkerLevel.INTERMEDIATE, ""]
                ),
            }
        )
    # someone who left: the roster at an earlier date still shows them
    people.append(
        {
            "name": _name(rng, used),
            "kind": StaffKind.FULL_TIME,
            "position": Position.PROJECT,
            "start_date": date(2018, 9, 1),
            "end_date": date(2024, 6, 30),
            "post_grade": "三岗4级",
            "monthly_pay": Decimal("6200"),
        }
    )
    people.append(
        {
            "name": _name(rng, used),
            "kind": StaffKind.PART_TIME,
            "position": Position.FINANCE,
            "start_date": date(2021, 5, 1),
            "other_certificates": "会计专业技术资格（初级）",
        }
    )
    labor_pay = Decimal("2600") if town == BELOW_MINIMUM_WAGE else Decimal(rng.randrange(3200, 4600, 100))
    people.append(
        {
            "name": _name(rng, used),
            "kind": StaffKind.LABOR,
            "position": Position.ADMINISTRATION,
            "start_date": date(2022, 3, 1),
            "monthly_pay": labor_pay,
        }
    )
    if center.level == CenterLevel.DISTRICT or rng.random() < 0.4:
        people.append(
            {
                "name": _name(rng, used),
                "kind": StaffKind.LABOR,
                "is_rehired": True,
                "position": Position.PROJECT,
                "start_date": date(2023, 2, 1),
                "monthly_pay": Decimal("3000"),
                "other_certificates": "高级会计师（退休返聘）",
                "_agreement": True,
            }
        )
    for _ in range(rng.randint(2, 4)):
        people.append(
            {
                "name": _name(rng, used),
                "kind": StaffKind.VOLUNTEER,
                "position": Position.OTHER,
                "start_date": date(rng.randint(2019, 2025), rng.randint(1, 12), 1),
                "transport_subsidy": Decimal("100"),
                "meal_subsidy": Decimal(rng.choice([0, 150, 200])),
            }
        )
    for person in people:
        person.setdefault("gender", rng.choice([Gender.FEMALE, Gender.MALE]))
        person.setdefault("mobile_phone", _phone(rng))
    return people


def _seed_center(center: ServiceCenter, required: int | None) -> int:
    created = 0
    members = []
    for plan in _plan(center, required):
        agreement = plan.pop("_agreement", False)
        member, was_created = StaffMember.objects.get_or_create(
            center=center, name=plan.pop("name"), defaults=plan
        )
        if was_created:
            created += 1
            if agreement:
                member.contract.save("返聘协议.pdf", ContentFile(DEMO_AGREEMENT), save=False)
                member.contract_filename = "返聘协议.pdf"
                member.save()
        members.append(member)
    for year, title, organizer, hours in [
        (2025, "社会组织年度检查政策解读", "青浦区民政局", Decimal("3")),
        (2026, "民间非营利组织会计制度实务", "青浦区社会组织服务中心", Decimal("6")),
        (2026, "社区工作者能力提升培训", "青浦区民政局", Decimal("8")),
    ]:
        training, was_created = Training.objects.get_or_create(
            center=center,
            title=title,
            held_on=date(year, 4, 15),
            defaults={"organizer": organizer, "hours": hours},
        )
        if was_created:
            training.attendees.set(
                [m for m in members if m.kind == StaffKind.FULL_TIME and m.end_date is None]
            )
    return created


def _seed_talent(keeper: ServiceCenter) -> int:
    rng = random.Random("staffing-demo:talent")
    used: set[str] = set()
    expertise = [value for value, _ in ExpertiseField.choices]
    created = 0
    for i in range(36):
        name = _name(rng, used)
        field = expertise[i % len(expertise)]
        _, was_created = TalentProfile.objects.get_or_create(
            center=keeper,
            name=name,
            organization_name=ORGANIZATIONS[i % len(ORGANIZATIONS)],
            defaults={
                "gender": rng.choice([Gender.FEMALE, Gender.MALE]),
                "expertise": field,
                "expertise_detail": EXPERTISE_DETAILS[field][0],
                "certificates": EXPERTISE_DETAILS[field][1] if rng.random() < 0.7 else "",
                "years_of_experience": rng.randint(2, 25),
                "willing_to_lecture": rng.random() < 0.6,
                "willing_to_consult": rng.random() < 0.7,
                "mobile_phone": _phone(rng),
                # by position, not by the generator, so the other demo values stay as they were
                "is_leading_talent": i % 6 == 0,
                "is_party_backbone": i % 4 == 1,
            },
        )
        created += was_created
    return created


def seed(*, stdout, password):
    centers = list(ServiceCenter.objects.select_related("street_town").order_by("pk"))
    # Full-time staff sized to the policy's requirement for the demo's social organizations, so that
    # only the centers named in SHORT_OF_RATIO fall short.
    counts = organization_counts(centers, timezone.localdate())
    policy = policy_values()
    people = sum(
        _seed_center(center, required_full_time(center, counts.get(center.pk) or 0, policy=policy))
        for center in centers
    )
    keeper = next((c for c in centers if c.level == CenterLevel.DISTRICT), None)
    talents = _seed_talent(keeper) if keeper else 0
    stdout.write(f"  人员名册：新增 {people} 人（{len(centers)} 个中心）；人才库：新增 {talents} 人")
