"""The PDF machinery: the report font (built subset, fallback), the QR code, per-document CSS, worker GC."""

from __future__ import annotations

import gc
import subprocess

import pytest
from django.template import Context, Template

from core.testing import require
from evaluations.models import Result
from reports import fonts
from reports.builders import build_spec, cycle_report_subjects
from reports.pdf import render_pdf
from reports.services import document_render

from .pdfcheck import embedded_cjk_fonts, pdf_text, write

pytestmark = pytest.mark.django_db

RARE = "堃"  # in personal names; outside GB 2312, so not in the subset


def _fonts_of(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "x.pdf"
    path.write_bytes(pdf)
    return embedded_cjk_fonts(path)


def _test_page(name: str) -> bytes:
    return render_pdf(
        "reports/pdf/test_page.html",
        {"title": "字体测试", "requester": name, "generated_at": None, "job_id": 1, "street_towns": [name]},
    )


def test_the_built_font_is_a_gb2312_cut_of_noto_sans_cjk_sc_named_as_such():
    from fontTools.ttLib import TTFont

    require(
        bool(fonts.built_faces()), "the report font (manage.py build_report_fonts; Debian fonts-noto-cjk)"
    )
    for face in fonts.FACES:
        path = fonts.font_dir() / face.file_name
        font = TTFont(path)
        assert font["name"].getDebugName(1) == "Noto Sans CJK SC Subset"
        cmap = font.getBestCmap()
        assert all(ord(c) in cmap for c in "青浦区民政局社会组织服务中心朱家角镇练塘镇①≥＊·—㎡㈠")
        assert ord(RARE) not in cmap
        assert 6_763 < len(cmap) < 9_000  # GB 2312's hanzi plus Latin and symbols, not all 65,000 glyphs
        assert path.stat().st_size < 5_000_000
        assert path.stat().st_mode & 0o044 == 0o044  # readable by the worker's user


def test_reports_embed_the_subset_and_set_rare_characters_in_the_full_font(tmp_path, pdf_tools):
    require(
        bool(fonts.built_faces()), "the report font (manage.py build_report_fonts; Debian fonts-noto-cjk)"
    )
    pdf = _test_page(f"王{RARE}")
    names = _fonts_of(pdf, tmp_path)
    assert any(name.endswith("+Noto-Sans-CJK-SC-Subset") for name in names)
    # The rare character is not lost: Pango sets it in the full system font, embedded alongside.
    assert any(name.endswith("+Noto-Sans-CJK-SC") for name in names)
    assert f"王{RARE}" in pdf_text(tmp_path / "x.pdf")


def test_without_the_built_font_reports_use_the_full_system_font(settings, tmp_path, pdf_tools):
    settings.REPORTS_FONT_DIR = tmp_path / "no-fonts-here"
    assert fonts.built_faces() == []
    pdf = _test_page("朱家角镇")
    names = _fonts_of(pdf, tmp_path)
    assert names and all("Subset" not in name for name in names)
    assert any("Noto-Sans-CJK-SC" in name for name in names)
    assert "朱家角镇社会组织服务中心" in pdf_text(tmp_path / "x.pdf")


def test_the_qr_code_on_a_printed_page_scans_to_the_verification_url(published, pdf_tools, tmp_path):
    import zxingcpp
    from PIL import Image

    document = document_render(build_spec(*cycle_report_subjects(published)[1][:2]))[0]
    path = write(document, tmp_path)
    # As a 150 dpi scan of the last page would see it.
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "150",
            "-png",
            "-singlefile",
            "-f",
            str(document.page_count),
            str(path),
            str(tmp_path / "p"),
        ],
        check=True,
    )
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(tmp_path / "p.png"))]
    assert decoded == [document.verification_url]


def test_unsampled_center_report_leaves_out_the_spot_check_column(published, pdf_tools, tmp_path):
    results = Result.objects.filter(result_set__cycle=published).select_related("center")
    sampled = results.filter(sampled=True).first()
    unsampled = results.filter(sampled=False).first()
    texts = {}
    for result in (sampled, unsampled):
        spec = next(
            build_spec(kind, params)
            for kind, params, label in cycle_report_subjects(published)
            if kind == "center_report" and result.center.name in label
        )
        texts[result.sampled] = pdf_text(write(document_render(spec)[0], tmp_path), flow=True)
    assert "指标满分自评抽检最终意见" in texts[True]
    assert "指标满分自评最终意见" in texts[False]
    assert "未抽中" in texts[False] and "最终得分即自评得分" in texts[False]


def test_center_report_prints_compliance_as_frozen_in_the_filing_snapshot(published, pdf_tools, tmp_path):
    from evaluations.models import Filing

    filing = Filing.objects.filter(cycle=published, center__street_town__name="朱家角镇").get()
    snapshot = dict(filing.snapshot)
    rules = [dict(r) for r in snapshot["compliance"]]
    rules[0]["detail"] = "提交时台账：专职人员 5 名（快照）"
    snapshot["compliance"] = rules
    Filing.objects.filter(pk=filing.pk).update(snapshot=snapshot)
    spec = build_spec("center_report", {"cycle_id": published.pk, "center_id": filing.center_id})
    text = pdf_text(write(document_render(spec)[0], tmp_path), flow=True)
    assert "提交时台账：专职人员5名（快照）" in text
    assert "冻结的台账快照" in text


def test_a_rule_based_indicator_points_to_section_five_instead_of_repeating_its_numbers():
    from reports.builders import _without_rule_numbers

    detail = "R-STAFF-1 达标（社会组织 45 家，要求专职人员 ≥ 3 名，实有 3 名） → 10.0/10.0"
    assert _without_rule_numbers(detail, {"R-STAFF-1"}) == "R-STAFF-1 达标 → 10.0/10.0（数字见第五部分）"
    assert _without_rule_numbers(detail, {"R-PAY-1"}) == detail  # the rule is not printed: keep them
    figure = "举办培训 3 场 ÷ 满分所需 4 场 → 3.5/5.0"
    assert _without_rule_numbers(figure, {"R-STAFF-1"}) == figure


def test_center_report_of_a_snapshot_without_verdicts_says_so_and_evaluates_now(
    published, pdf_tools, tmp_path
):
    from evaluations.models import Filing

    filing = Filing.objects.filter(cycle=published, center__street_town__name="朱家角镇").get()
    snapshot = {k: v for k, v in filing.snapshot.items() if k != "compliance"}
    Filing.objects.filter(pk=filing.pk).update(snapshot=snapshot)
    spec = build_spec("center_report", {"cycle_id": published.pk, "center_id": filing.center_id})
    text = pdf_text(write(document_render(spec)[0], tmp_path), flow=True)
    assert "提交时的台账快照中没有达标判定，按生成报告时的台账判定" in text
    assert "R-STAFF-2" in text  # evaluated now, with its numbers
    assert "数字见第五部分" not in text


def test_footer_date_is_the_portals_local_day():
    from datetime import UTC, datetime

    from reports.templatetags.pdf_css import verification_footer

    doc = {"code": "ABCD-EFGH-JKMN", "revision": 2, "verification_url": "https://x/v/ABCD-EFGH-JKMN/"}
    late_evening_utc = datetime(2026, 1, 1, 20, 0, tzinfo=UTC)  # 2026-01-02 04:00 in Shanghai
    footer = verification_footer({**doc, "generated_at": late_evening_utc})
    assert (
        footer
        == "验证码 ABCD-EFGH-JKMN · 第 2 版 · 2026-01-02\n扫码或访问 https://x/v/ABCD-EFGH-JKMN/ 核验真伪"
    )


def test_renderer_set_up_is_made_once_per_thread_and_again_when_the_fonts_change(settings, tmp_path):
    from reports.pdf import _setup

    first = _setup()
    assert _setup()[0] is first[0] and _setup()[1] is first[1]  # the same FontConfiguration and CSS
    settings.REPORTS_FONT_DIR = tmp_path / "elsewhere"
    other = _setup()
    assert other[0] is not first[0] and other[1] is not first[1]


def test_css_string_escapes_what_could_end_the_string_or_the_rule():
    out = Template("{% load pdf_css %}{{ v|css_string }}").render(Context({"v": 'a"b\\c\n</style>'}))
    assert out == '"a\\22 b\\5C c\\A \\3C /style\\3E "'


def test_worker_processes_freeze_what_they_imported_and_collect_young_objects_less_often():
    from core.worker import GC_THRESHOLDS, prepare_worker_process

    before = gc.get_threshold()
    try:
        prepare_worker_process()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 10_000  # Django, WeasyPrint, the portal: out of the collector's walk
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_every_celery_worker_child_runs_the_gc_preparation():
    from celery.signals import worker_process_init

    import qingpu_portal.celery  # noqa: F401 - connects the worker signals
    from core.worker import prepare_worker_process

    assert any(ref() is prepare_worker_process for _key, ref in worker_process_init.receivers)


def test_build_report_fonts_without_the_system_font_explains_and_fails_only_when_strict(
    settings, tmp_path, monkeypatch
):
    import io

    from django.core.management import CommandError, call_command

    settings.REPORTS_FONT_DIR = tmp_path / "fonts"
    monkeypatch.setenv("PATH", str(tmp_path))  # no fc-list: as on a machine without fontconfig
    err = io.StringIO()
    call_command("build_report_fonts", stdout=io.StringIO(), stderr=err)
    assert "fonts-noto-cjk" in err.getvalue() and fonts.built_faces() == []
    with pytest.raises(CommandError, match="fonts-noto-cjk"):
        call_command("build_report_fonts", "--strict", stdout=io.StringIO())
