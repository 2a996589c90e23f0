"""Issue 15 §3: the center report's chart — each category's self score against the spot check, and
last year's where there is one — read back from the PDF (pdftotext) and from the SVG it embeds."""

from __future__ import annotations

import base64

import pytest

from evaluations.models import AuditScore, Result, SelfScore
from reports.builders import build_spec, center_charts, cycle_report_subjects
from reports.factories import build_published_cycle
from reports.services import document_render

from .chartcheck import bars, overlapping_labels
from .pdfcheck import embedded_cjk_fonts, pdf_text, write

pytestmark = pytest.mark.django_db


def _spec(cycle, name):
    for kind, params, label in cycle_report_subjects(cycle):
        if kind == "center_report" and name in label:
            return build_spec(kind, params)
    raise AssertionError(name)


def _svg(data_uri: str) -> str:
    return base64.b64decode(data_uri.split(",", 1)[1]).decode()


@pytest.fixture
def two_years(centers, people):
    chosen = [centers[name] for name in ("朱家角镇", "金泽镇", "练塘镇")]
    kwargs = {"centers": chosen, "bureau": people["bureau"], "auditor": people["auditor"]}
    return build_published_cycle(year=2024, **kwargs), build_published_cycle(year=2025, **kwargs)


def _category_sums(filing, model):
    sums = {}
    for score in model.objects.filter(filing=filing).select_related("indicator__category"):
        name = score.indicator.category.name
        sums[name] = sums.get(name, 0) + score.score
    return sums


def test_the_center_report_charts_self_spot_and_last_years_category_scores(two_years, pdf_tools, tmp_path):
    last, this = two_years
    sampled = Result.objects.filter(result_set__cycle=this, sampled=True).select_related("center").first()
    assert sampled is not None
    spec = _spec(this, sampled.center.name)
    svg = _svg(spec.extra["charts"]["categories"])
    assert spec.extra["charts"]["series"] == ["本年自评", "本年抽检", "上年最终"]
    own = _category_sums(sampled.filing, SelfScore)
    spot = _category_sums(sampled.filing, AuditScore)
    last_result = Result.objects.get(result_set__cycle=last, center=sampled.center)
    last_own = _category_sums(last_result.filing, SelfScore)
    last_spot = _category_sums(last_result.filing, AuditScore) if last_result.sampled else {}
    drawn = {(b["data-label"], b["data-series"]): b["data-value"] for b in bars(svg)}
    for name, value in own.items():
        assert drawn[(name, "本年自评")] == f"{value:.1f}"
        assert drawn[(name, "本年抽检")] == f"{spot[name]:.1f}"
        # last year's final: the spot check where it was sampled (the demo rubric's rule), else self
        expected = last_spot.get(name, last_own[name]) if this.combination_rule != "weighted" else None
        if expected is not None:
            assert drawn[(name, "上年最终")] == f"{expected:.1f}"
    assert not overlapping_labels(svg)

    document, _created = document_render(spec)
    path = write(document, tmp_path)
    text = pdf_text(path)
    assert "图1各类别得分率（本年自评、本年抽检、上年最终" in pdf_text(path, flow=True)
    assert "抽检" in text
    flow = pdf_text(path, flow=True)
    for name in own:
        assert name in flow
    assert "得分率（%）" in flow
    # The chart's text is set in the cut font only (a character outside it would embed the 20 MB font).
    names = embedded_cjk_fonts(path)
    assert names and all(
        n.endswith(("+Noto-Sans-CJK-SC-Subset", "+Noto-Sans-CJK-SC-Subset-Bold")) for n in names
    )


def test_a_center_not_sampled_without_last_year_charts_its_self_scores_alone(small_published):
    result = Result.objects.filter(result_set__cycle=small_published, sampled=False).select_related("center")
    result = result.first()
    spec = _spec(small_published, result.center.name)
    charts = center_charts(spec.context)
    assert charts["series"] == ["本年自评"]
    svg = _svg(charts["categories"])
    assert {b["data-series"] for b in bars(svg)} == {"本年自评"}
    assert len(bars(svg)) == len(spec.context["indicator_groups"])
