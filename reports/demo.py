"""Demo data: the reports of every published cycle are rendered at once, so a new user can download
them straight away (synchronously, inside seed_demo; a second run renders nothing)."""

from evaluations.choices import RESULTS_OUT_STATES
from evaluations.models import Cycle

from .models import ReportDocument
from .services import cycle_reports_render_now


def seed(*, stdout, password):
    published = Cycle.objects.filter(state__in=RESULTS_OUT_STATES).order_by("year")
    for cycle in published:
        if ReportDocument.objects.filter(cycle=cycle).exists():
            continue  # already rendered: the demo never duplicates, and the worker re-renders on corrections
        if not cycle.result_sets.exists():
            continue
        job = cycle_reports_render_now(cycle=cycle, reason="演示数据：考评结果公布")
        stdout.write(
            f"  考评报告：{cycle.year} 年度 {job.result.get('done', 0)} 份（{job.get_status_display()}）"
        )
    stdout.write(f"  考评报告文件：{ReportDocument.objects.count()} 份")
