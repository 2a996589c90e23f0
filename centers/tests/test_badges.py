"""The compliance badge (``rule_status``): colour and Chinese text, the rule named, every value escaped;
the same verdict written once per process and reused, never a stale one for other words."""

from centers.compliance import RuleResult
from centers.templatetags.centers_tags import rule_status, rule_status_cells


def test_a_badge_names_the_rule_and_escapes_the_detail():
    badge = rule_status(RuleResult("R-VENUE-1", "not_met", "面积 150 平方米 <200> & “R-FUND-2”"))
    assert badge == (
        '<span class="status status-not_met" title="办公场所面积与独立性（R-VENUE-1）：面积 150 平方米 '
        '&lt;200&gt; &amp; “基本运作经费保障（R-FUND-2）”">'
        '<span aria-hidden="true">✗ </span>未达标</span>'
    )


def test_the_same_verdict_reads_the_same_and_other_words_read_their_own():
    first = rule_status(RuleResult("R-GOV-2", "met", "理事 5 名"))
    again = rule_status(RuleResult("R-GOV-2", "met", "理事 5 名", figures={"n": 1}))
    other = rule_status(RuleResult("R-GOV-2", "met", "理事 7 名"))
    assert first == again and "理事 5 名" in first
    assert "理事 7 名" in other and "理事 5 名" not in other
    assert rule_status(RuleResult("R-GOV-2", "not_met", "理事 5 名")).endswith("未达标</span>")


def test_no_result_is_not_applicable_without_a_title_and_an_empty_detail_keeps_the_rule():
    assert rule_status(None) == (
        '<span class="status status-not_applicable" title=""><span aria-hidden="true">– </span>不适用</span>'
    )
    assert 'title="办公设备（R-VENUE-2）："' in rule_status(RuleResult("R-VENUE-2", "no_data", ""))
    cells = rule_status_cells([None, RuleResult("R-VENUE-2", "met", "齐备")])
    assert (
        cells == f"<td>{rule_status(None)}</td><td>{rule_status(RuleResult('R-VENUE-2', 'met', '齐备'))}</td>"
    )
    assert "不适用" in cells and "✓ </span>达标" in cells
