"""The default 100-point rubric (默认考评指标体系), following the policy's sections (青民〔2016〕45号
三、二、四). Data, not code: ``services.rubric_load_default`` copies it into a draft cycle, where the
bureau may edit it; an opened cycle's rubric is frozen.

Each indicator: (code, name, max score, method, formula, expected evidence, evidence required,
description). Computed formulas: ``{"kind": "rule", "rule": ID}`` → full marks when the rule is met
(or not applicable), else 0; ``{"kind": "figure", "figure": NAME, "full_at": n}`` → min(value / n, 1) ×
max, rounded down to half points. The figures are computed from the registers (evaluations.figures);
``"levels"`` names the formula for district and industry centers put in a cycle's scope.
"""

DEFAULT_RUBRIC = [
    (
        "A",
        "人员配备",
        [
            (
                "A1",
                "专职人员数量达标",
                10,
                "computed",
                {
                    "kind": "rule",
                    "rule": "R-STAFF-2",
                    # district and industry centers in scope: their own staffing rule
                    "levels": {
                        "district": {"kind": "rule", "rule": "R-STAFF-1"},
                        "industry": {"kind": "rule", "rule": "R-STAFF-3"},
                    },
                },
                "人员名册、劳动合同",
                False,
                "专职人员按辖区社会组织数每 20 家配 1 名、至少 2 名计算（R-STAFF-2）：达标得满分，否则 0 分",
            ),
            (
                "A2",
                "人员结构与法定代表人",
                3,
                "scored",
                {},
                "人员名册、任命文件",
                False,
                "专职、兼职、劳务、志愿者结构合理，法定代表人原则上由主任担任（R-STAFF-4）",
            ),
        ],
    ),
    (
        "B",
        "薪酬待遇",
        [
            (
                "B1",
                "劳务人员工资不低于最低工资",
                4,
                "computed",
                {"kind": "rule", "rule": "R-PAY-3"},
                "工资发放记录",
                False,
                "劳务人员工资不低于上年度本市最低工资标准（R-PAY-3）",
            ),
            (
                "B2",
                "专职人员薪酬体系",
                4,
                "scored",
                {},
                "薪酬制度、发放记录",
                True,
                "专职人员参照社区工作者岗位等级和绩效考核执行（R-PAY-1），兼职、志愿者无报酬（R-PAY-2、R-PAY-4）",
            ),
        ],
    ),
    (
        "C",
        "办公场地",
        [
            (
                "C1",
                "办公场地面积",
                6,
                "computed",
                {"kind": "rule", "rule": "R-VENUE-1"},
                "场地产权或租赁证明、平面图",
                False,
                "相对独立的办公场地不少于 200 平方米（R-VENUE-1）",
            ),
            (
                "C2",
                "办公设施设备",
                3,
                "scored",
                {},
                "设备清单、照片",
                False,
                "配备电脑、网络等办公设施（R-VENUE-2）",
            ),
            (
                "C3",
                "拓展功能阵地",
                1,
                "scored",
                {},
                "照片、运营记录",
                False,
                "孵化园、实践园、社区生活服务中心等（R-VENUE-3，可选）",
            ),
        ],
    ),
    (
        "D",
        "经费保障",
        [
            (
                "D1",
                "运行经费保障",
                5,
                "computed",
                {"kind": "rule", "rule": "R-FUND-2"},
                "资助文件、购买服务合同",
                False,
                "基本运行经费由政府资助或购买服务保障（R-FUND-2）",
            ),
            (
                "D2",
                "独立账户与会计核算",
                4,
                "computed",
                {"kind": "rule", "rule": "R-FUND-3"},
                "开户许可、财务报表",
                False,
                "独立银行账户，执行《民间非营利组织会计制度》（R-FUND-3）",
            ),
            (
                "D3",
                "服务性收入",
                1,
                "scored",
                {},
                "服务合同、收入明细",
                False,
                "为社会组织提供代理登记、代理记账、能力培训、咨询等服务（R-FUND-1）",
            ),
        ],
    ),
    (
        "E",
        "内部治理",
        [
            (
                "E1",
                "法人治理结构",
                4,
                "computed",
                {"kind": "rule", "rule": "R-GOV-2"},
                "章程、理事会和监事名单",
                False,
                "设理事会、监事（会），有财务、人事、会议制度（R-GOV-2）",
            ),
            (
                "E2",
                "理事会领导下的主任负责制",
                3,
                "scored",
                {},
                "理事会会议纪要",
                True,
                "独立法人，实行理事会领导下的主任负责制（R-GOV-1）",
            ),
        ],
    ),
    (
        "F",
        "档案与印章管理",
        [
            (
                "F1",
                "档案与印章制度",
                3,
                "computed",
                {"kind": "rule", "rule": "R-ARCH-1"},
                "档案管理、印章管理制度",
                False,
                "建立档案管理、印章保管和使用制度（R-ARCH-1）",
            ),
            (
                "F2",
                "档案完整与印章专人保管",
                3,
                "scored",
                {},
                "档案目录、交接记录",
                False,
                "档案齐全有序、交接有记录、印章专人保管（R-ARCH-2）",
            ),
        ],
    ),
    (
        "G",
        "工作实效（基本职能）",
        [
            (
                "G1",
                "年度工作计划",
                3,
                "computed",
                {"kind": "figure", "figure": "work_plan", "full_at": 1},
                "年度工作计划及实施方案",
                False,
                "上传年度工作计划和实施方案（R-EFF-1）",
            ),
            (
                "G2",
                "能力培训",
                5,
                "computed",
                {"kind": "figure", "figure": "trainings_held", "full_at": 4},
                "培训通知、签到表、照片",
                True,
                "全年举办培训不少于 4 场：按场次比例计分",
            ),
            (
                "G3",
                "信息员培训与信息公开",
                4,
                "scored",
                {},
                "信息员名册、培训记录",
                False,
                "培训社会组织信息员，协助信息公开",
            ),
            ("G4", "预警协助", 3, "scored", {}, "预警处置记录", False, "协助做好社会组织预警工作"),
            (
                "G5",
                "社区群众活动团队备案",
                4,
                "computed",
                {"kind": "figure", "figure": "activity_teams_on_file", "full_at": 20},
                "备案名册",
                False,
                "备案社区群众活动团队不少于 20 支：按比例计分",
            ),
            (
                "G6",
                "年检、咨询与现场勘察",
                4,
                "scored",
                {},
                "年检协助记录、勘察记录",
                False,
                "协助年度检查、政策咨询，完成新登记现场勘察",
            ),
            (
                "G7",
                "协助等级评估",
                3,
                "computed",
                {"kind": "rule", "rule": "R-EFF-2"},
                "等级评估证书",
                False,
                "成立满两年参加等级评估并获 3A 以上（R-EFF-2）",
            ),
        ],
    ),
    (
        "H",
        "工作实效（拓展职能）",
        [
            ("H1", "孵化培育", 5, "scored", {}, "孵化协议、入驻名单", True, "开展社会组织孵化培育"),
            (
                "H2",
                "社区需求调研",
                3,
                "computed",
                {"kind": "figure", "figure": "needs_surveys", "full_at": 2},
                "调研报告",
                False,
                "全年开展社区需求调研不少于 2 次",
            ),
            (
                "H3",
                "承接政府项目与公益创投",
                5,
                "scored",
                {},
                "项目合同、评估报告",
                True,
                "承接政府项目，引导社会组织参与公益招投标和公益创投",
            ),
        ],
    ),
    (
        "I",
        "党建工作",
        [
            (
                "I1",
                "党建工作覆盖",
                5,
                "computed",
                {
                    "kind": "rule",
                    "rule": "R-PARTY-1",
                    # R-PARTY-1 is the street/town's; other centers score their area's coverage
                    "levels": {
                        "district": {"kind": "figure", "figure": "party_coverage_percent", "full_at": 100},
                        "industry": {"kind": "figure", "figure": "party_coverage_percent", "full_at": 100},
                    },
                },
                "党组织覆盖台账",
                False,
                "街镇社会组织党的组织和工作全覆盖（R-PARTY-1）",
            ),
            (
                "I2",
                "联席会议与例会",
                2,
                "scored",
                {},
                "会议纪要",
                False,
                "定期召开联席会议和例会，研究党建和业务工作",
            ),
        ],
    ),
]


def _named(rubric):
    """Each rule the descriptions cite is named before its ID (core.vocabulary): the bureau reads
    “街镇中心专职人员配备（R-STAFF-2）”, never a bare rule ID."""
    from core.vocabulary import name_rules

    return [
        (code, name, [(*row[:7], name_rules(row[7])) if len(row) > 7 else row for row in rows])
        for code, name, rows in rubric
    ]


DEFAULT_RUBRIC = _named(DEFAULT_RUBRIC)
