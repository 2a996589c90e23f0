"""The scoring arithmetic at its boundaries, pinned with figures worked out by hand (never recomputed
with the code's own rounding): each would notice a one-character slip in ``evaluations.scoring``."""

from decimal import Decimal

from evaluations import scoring
from evaluations.models.cycle import default_grade_bands
from evaluations.scoring import Item

D = Decimal
BANDS = default_grade_bands()  # 优秀 90 · 良好 80 · 合格 60 · 不合格 0


def test_a_score_exactly_at_a_bands_floor_gets_that_band():
    assert scoring.grade_for(D("90"), BANDS) == "优秀"
    assert scoring.grade_for(D("89.99"), BANDS) == "良好"
    assert scoring.grade_for(D("80.00"), BANDS) == "良好"
    assert scoring.grade_for(D("60"), BANDS) == "合格"
    assert scoring.grade_for(D("59.99"), BANDS) == "不合格"


def test_below_the_lowest_named_band_is_failing_not_the_lowest_bands_name():
    bands = [{"grade": "优秀", "min": 90}, {"grade": "良好", "min": 80}, {"grade": "合格", "min": 60}]
    assert scoring.grade_for(D("50"), bands) == "不合格"
    assert scoring.grade_for(D("60"), bands) == "合格"


def test_a_band_list_that_does_not_reach_zero_is_refused_naming_the_fix():
    bands = [{"grade": "优秀", "min": 90}, {"grade": "合格", "min": 60}]
    assert "覆盖到 0 分" in scoring.grade_bands_problem(bands)
    assert scoring.grade_bands_problem(BANDS) is None


def test_contribution_is_rounded_half_up():
    assert scoring.contribution(D("85.25"), D("10")) == D("8.53")  # 8.525 → 8.53 (half-even: 8.52)
    assert scoring.contribution(D("86.35"), D("10")) == D("8.64")  # 8.635 → 8.64 (half-even: 8.64)
    assert scoring.contribution(D("72.45"), D("10")) == D("7.25")  # 7.245 → 7.25 (half-even: 7.24)


def test_a_gap_exactly_at_the_tolerance_is_not_a_finding_and_just_above_it_is():
    at = scoring.combine(
        self_score=D("80"), spot_score=D("70"), rule="replace", self_weight=D("0.3"), tolerance=D("10")
    )
    assert (at.gap, at.finding) == (D("10.00"), "")
    above = scoring.combine(
        self_score=D("80.5"), spot_score=D("70"), rule="replace", self_weight=D("0.3"), tolerance=D("10")
    )
    assert above.gap == D("10.50")
    assert above.finding == "自评分高出抽检分 10.50 分，超过容差 10 分"


def test_weighted_final_is_rounded_half_up():
    combined = scoring.combine(
        self_score=D("85.5"), spot_score=D("70.5"), rule="weighted", self_weight=D("0.3"), tolerance=D("10")
    )
    assert combined.final == D("75.00")  # 25.65 + 49.35


# ---- rubric item kinds -----------------------------------------------------------------------------
def test_a_deduction_item_takes_points_per_occurrence_down_to_its_floor():
    def deduction(n, floor="0", per="1"):
        return Item("C1", "C", D("5"), kind="deduction", occurrences=n, per_occurrence=D(per), floor=D(floor))

    assert scoring.item_score(deduction(0))[0] == D("5")
    assert scoring.item_score(deduction(2))[0] == D("3")
    assert scoring.item_score(deduction(7))[0] == D("0")  # 扣完为止
    assert scoring.item_score(deduction(7, floor="1"))[0] == D("1")
    assert scoring.item_score(deduction(3, per="0.5"))[0] == D("3.5")  # half points
    assert (
        scoring.item_score(deduction(2))[1]
        == "扣分项：发生 2 次 × 每次扣 1 分 = 扣 2 分，扣完为止（最低 0 分）→ 3/5"
    )


def test_a_veto_item_with_a_finding_says_why_whatever_the_score():
    items = [
        Item("A1", "A", D("95"), score=D("95")),
        Item("A2", "A", D("5"), score=D("5")),
        Item("V1", "V", D("0"), kind="veto", occurrences=1, name="发生重大安全责任事故"),
    ]
    tally = scoring.tally(items)
    assert tally.total == D("100.00")
    assert tally.veto == "一票否决：V1 发生重大安全责任事故，等次为不合格"
    clean = scoring.tally([*items[:2], Item("V1", "V", D("0"), kind="veto", occurrences=0)])
    assert clean.veto == ""


def _with_not_applicable():
    return [
        Item("A1", "A", D("10"), applicable=False),
        Item("A2", "A", D("6"), score=D("5")),
        Item("A3", "A", D("4"), score=D("3")),
        Item("B1", "B", D("80"), score=D("60.5")),
    ]


def test_a_not_applicable_items_points_go_to_the_rest_of_its_category():
    tally = scoring.tally(_with_not_applicable(), not_applicable_rule="redistribute")
    # A: (5 + 3) × 20 / 10 = 16; B: 60.5
    assert tally.total == D("76.50")
    assert tally.score_of("A2") == D("10.00")
    assert tally.score_of("A3") == D("6.00")
    assert tally.score_of("A1") == D("0")


def test_or_the_whole_score_is_rescaled_to_the_applicable_points():
    tally = scoring.tally(_with_not_applicable(), not_applicable_rule="rescale")
    # (5 + 3 + 60.5) × 100 / 90 = 76.111… → 76.11
    assert tally.total == D("76.11")


def test_a_bonus_item_adds_points_up_to_its_cap():
    base = [Item("A1", "A", D("100"), score=D("88.5"))]
    capped = scoring.tally(
        [*base, Item("J1", "J", D("0"), kind="bonus", occurrences=5, per_occurrence=D("1"), cap=D("3"))]
    )
    assert capped.total == D("91.50")
    below = scoring.tally(
        [*base, Item("J1", "J", D("0"), kind="bonus", occurrences=1, per_occurrence=D("0.5"), cap=D("3"))]
    )
    assert below.total == D("89.00")
