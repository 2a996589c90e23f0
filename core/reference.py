"""The policy's numbers as data (青民〔2016〕45号), loaded after every migrate.

Only missing rows are created: a value the bureau edited in the admin is never overwritten.
"""

from datetime import date
from decimal import Decimal

POLICY = "青民〔2016〕45号《关于加强本区社会组织服务中心建设的指导意见》"
EFFECTIVE = date(2016, 9, 21)

POLICY_PARAMETERS = [
    # key, rule_id, label, value, unit, source section
    ("district_staff_ratio", "R-STAFF-1", "区级中心：每多少家社会组织配备1名专职人员", "50", "家", "三(一)"),
    (
        "street_town_staff_ratio",
        "R-STAFF-2",
        "街镇中心：每多少家社会组织配备1名专职人员",
        "20",
        "家",
        "三(一)",
    ),
    ("street_town_staff_minimum", "R-STAFF-2", "街镇中心：专职人员不少于", "2", "人", "三(一)"),
    ("venue_min_area", "R-VENUE-1", "办公场所面积不少于", "200", "平方米", "三(三)"),
    ("rating_min_grade", "R-EFF-2", "成立两年后应达到的评估等级（A的个数）", "3", "A", "三(七)"),
    ("rating_after_years", "R-EFF-2", "成立满多少年后应参加等级评估", "2", "年", "三(七)"),
    (
        "rating_valid_years",
        "R-EFF-2",
        "评估等级有效期",
        "5",
        "年",
        "《社会组织评估管理办法》(民政部令第39号)",
    ),
]


def load_policy_parameters(**kwargs):
    from .models import PolicyParameter

    using = kwargs.get("using", "default")
    for key, rule_id, label, value, unit, section in POLICY_PARAMETERS:
        PolicyParameter.objects.using(using).get_or_create(
            key=key,
            defaults={
                "rule_id": rule_id,
                "label": label,
                "value": Decimal(value),
                "unit": unit,
                "source": f"{POLICY} {section}" if section.startswith("三") else section,
                "effective_from": EFFECTIVE,
            },
        )
