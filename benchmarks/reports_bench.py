"""Benchmark of the PDF reports (issue 6).

Times, in one run and on the same machine:
- the floor: WeasyPrint rendering a bare A4 page of Chinese text — one page filled with paragraphs,
  nothing but the font (the system's Noto Sans CJK SC), its size and the page margins, rendered the
  plain way (``HTML(string=…).write_pdf()``: a new font configuration each time, the full font
  subset for the PDF). For comparison it also prints a page holding a heading and one paragraph (a
  third of a page, the floor measured until 2026-11-28) and the floor's page rendered with the
  portal's own set-up (cached font configuration, the cut font) — which is where most of the
  floor's time goes: the report enjoys that set-up, the floor does not;
- one center evaluation report (build the data + render the PDF), median of several runs;
- the district summary for a cycle of ``--centers`` centers (default 300);
- a whole cycle's rendering (summary + every center report + every filing sheet) through real Celery
  workers with concurrency 1 and 2, for a cycle of ``--cycle-centers`` centers (default 30).

It builds its own throwaway PostgreSQL database (``test_<name>`` of DATABASE_URL, like the tests) and a
private Redis queue, and removes both afterwards. Usage:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qp_reports REDIS_URL=redis://127.0.0.1:6379/15 \\
        .venv/bin/python benchmarks/reports_bench.py [--centers 300] [--cycle-centers 30] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingpu_portal.test_settings")
os.environ.setdefault("CELERY_QUEUE", f"bench-reports-{os.getpid()}")

PAGE = """<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 20mm; } body { font-family: "Noto Sans CJK SC"; font-size: 10.5pt; }
</style></head><body><h1>青浦区社会组织服务中心</h1>%s</body></html>"""
SENTENCE = (
    "青浦区民政局关于加强本区社会组织服务中心建设的指导意见，街镇服务中心实行自评加抽检的年度绩效考评。"
)
OPENING = (
    "为贯彻落实《关于组织引导社会力量参与社区治理的实施意见》和《关于加强本市社会组织服务中心建设的指导意见（试行）》"
    "文件精神，结合我区实际，现就加强本区社会组织服务中心的规范化建设与管理提出以下指导意见。"
)
# A heading and one paragraph: about a third of the page.
ONE_PARAGRAPH_PAGE = PAGE % f"<p>{SENTENCE * 12}</p>"
# The floor: the same page filled — eight more paragraphs, 1,100 characters in all, still one page.
FULL_PAGE = PAGE % "".join([f"<p>{OPENING}</p>"] * 8 + [f"<p>{SENTENCE * 12}</p>"])
# The same page set in the portal's font (the cut, see reports/fonts.py), for the comparison below.
FULL_PAGE_PORTAL_FONT = FULL_PAGE.replace(
    'font-family: "Noto Sans CJK SC"', 'font-family: "Noto Sans CJK SC Subset", "Noto Sans CJK SC"'
)


def interleaved(fns: dict, repeat: int) -> dict[str, tuple[float, list[float]]]:
    """Median wall time of each function, run in turn (A B C A B C …) so load affects them alike."""
    for fn in fns.values():
        fn()  # warm fonts, templates and caches for everyone
    runs: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            runs[name].append(time.perf_counter() - start)
    return {name: (statistics.median(values), values) for name, values in runs.items()}


def timed(fn, repeat: int) -> tuple[float, list[float]]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), runs


def build_centers(count: int):
    """The demo's 1 + 11 centers plus industry centers up to ``count`` street/town-or-industry centers."""
    import io

    from centers import demo as centers_demo
    from centers.choices import CenterLevel, SupervisingUnitKind
    from centers.models import ServiceCenter, SupervisingUnit
    from centers.selectors import current_district

    centers_demo.seed(stdout=io.StringIO(), password="")
    district = current_district()
    authority, _ = SupervisingUnit.objects.get_or_create(
        district=district,
        name="青浦区基准测试行业主管部门",
        defaults={"kind": SupervisingUnitKind.INDUSTRY_AUTHORITY},
    )
    existing = list(ServiceCenter.objects.filter(level__in=[CenterLevel.STREET_TOWN, CenterLevel.INDUSTRY]))
    extra = [
        ServiceCenter(
            district=district,
            level=CenterLevel.INDUSTRY,
            name=f"青浦区第{n:03d}行业社会组织服务中心",
            industry="基准测试",
            supervising_unit=authority,
        )
        for n in range(1, max(0, count - len(existing)) + 1)
    ]
    ServiceCenter.objects.bulk_create(extra)
    return list(ServiceCenter.objects.filter(level__in=[CenterLevel.STREET_TOWN, CenterLevel.INDUSTRY]))[
        :count
    ]


def start_worker(concurrency: int, db_url: str, log_path: Path):
    from django.conf import settings

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "qingpu_portal.test_settings",
        "DATABASE_URL": db_url,
        "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    celery = Path(sys.executable).with_name("celery")
    cmd = [
        str(celery), "-A", "qingpu_portal", "worker", "--loglevel=WARNING", f"--concurrency={concurrency}",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"bench-{os.getpid()}-{concurrency}@%h",
        "-Q", settings.CELERY_TASK_DEFAULT_QUEUE,
    ]  # fmt: skip
    log = open(log_path, "w")  # noqa: SIM115 - closed by stop_worker
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    proc.log = log
    time.sleep(6)  # let the pool start before the clock runs
    return proc


def stop_worker(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    proc.log.close()


def whole_cycle(cycle, requester, concurrency: int, db_url: str) -> tuple[float, int, str]:
    from core.models import Job
    from reports.models import ReportDocument, ReportRender
    from reports.services import cycle_reports_request

    for document in ReportDocument.objects.filter(cycle=cycle):
        document.file.delete(save=False)
    ReportRender.objects.all().delete()
    ReportDocument.objects.filter(cycle=cycle).update(superseded_by=None)
    ReportDocument.objects.filter(cycle=cycle).delete()
    proc = start_worker(concurrency, db_url, Path(f"/tmp/reports-bench-worker-{concurrency}.log"))
    try:
        start = time.perf_counter()
        job = cycle_reports_request(cycle=cycle, requester=requester)
        while True:
            job = Job.objects.get(pk=job.pk)
            if job.is_finished:
                break
            if time.perf_counter() - start > 3600:
                raise RuntimeError("whole-cycle rendering did not finish in an hour")
            time.sleep(0.2)
        elapsed = time.perf_counter() - start
    finally:
        stop_worker(proc)
    return elapsed, ReportRender.objects.filter(job=job).count(), job.status


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--centers", type=int, default=300, help="centers in the large cycle (summary)")
    parser.add_argument(
        "--cycle-centers", type=int, default=30, help="centers in the cycle rendered by workers"
    )
    parser.add_argument("--repeat", type=int, default=9, help="runs of the floor and of the center report")
    parser.add_argument("--skip-workers", action="store_true", help="skip the whole-cycle runs on workers")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases
    from weasyprint import HTML

    from accounts.roles import Role
    from core.testing import make_user
    from core.worker import prepare_worker_process
    from reports.builders import build_spec, center_report_spec, district_summary_spec
    from reports.factories import build_published_cycle
    from reports.pdf import _setup, render_document, render_pdf

    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    db = settings.DATABASES["default"]
    db_url = (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    try:
        print(
            f"database {connection.settings_dict['NAME']}, CPUs {os.cpu_count()}, load {os.getloadavg()[0]:.2f}"
        )
        bureau = make_user("bench_bureau", Role.BUREAU)
        auditor = make_user("bench_auditor", Role.AUDITOR)
        t0 = time.perf_counter()
        centers = build_centers(args.centers)
        big = build_published_cycle(year=2025, centers=centers, bureau=bureau, auditor=auditor)
        small = build_published_cycle(
            year=2024, centers=centers[: args.cycle_centers], bureau=bureau, auditor=auditor
        )
        print(
            f"built cycles of {len(centers)} and {args.cycle_centers} centers in {time.perf_counter() - t0:.1f} s"
        )

        # Render where a worker renders: in a process set up like a Celery worker child (same GC
        # settings, see core.worker.prepare_worker_process). The floor runs in the same process.
        prepare_worker_process()
        center_id = centers[0].pk
        spec = center_report_spec(cycle_id=big.pk, center_id=center_id)

        def one_center_report():
            spec = center_report_spec(cycle_id=big.pk, center_id=center_id)
            return render_pdf(spec.template, {**spec.context, "title": spec.title, "doc": _meta()})

        def pdf_only():
            return render_pdf(spec.template, {**spec.context, "title": spec.title, "doc": _meta()})

        runs = {
            "floor": lambda: HTML(string=FULL_PAGE).write_pdf(),
            "one_paragraph": lambda: HTML(string=ONE_PARAGRAPH_PAGE).write_pdf(),
            "floor_portal": lambda: HTML(string=FULL_PAGE_PORTAL_FONT).write_pdf(
                stylesheets=[_setup()[1]], font_config=_setup()[0]
            ),
            "report": one_center_report,
            "pdf_only": pdf_only,
        }
        results = interleaved(runs, args.repeat)
        floor, floor_runs = results["floor"]
        one_paragraph, _ = results["one_paragraph"]
        floor_portal, _ = results["floor_portal"]
        report, report_runs = results["report"]
        layout, _ = results["pdf_only"]
        summary_build, _ = timed(lambda: district_summary_spec(cycle_id=big.pk), 1)

        def summary():
            s = build_spec("district_summary", {"cycle_id": big.pk})
            return render_document(s.template, {**s.context, **s.extra, "title": s.title, "doc": _meta()})

        summary_time, _ = timed(summary, 1)
        summary_pages = summary().pages
        from reports.fonts import built_faces

        print(f"report font: {'built subset' if built_faces() else 'system Noto Sans CJK SC (not built)'}")
        print()
        print(
            f"floor: A4 page of Chinese text          median {floor * 1000:7.0f} ms  runs {_ms(floor_runs)}"
        )
        print(f"  (heading + one paragraph:               median {one_paragraph * 1000:7.0f} ms)")
        print(f"  (the floor's page in the portal's set-up: median {floor_portal * 1000:6.0f} ms)")
        print(
            f"center report (data + PDF)               median {report * 1000:7.0f} ms  runs {_ms(report_runs)}"
            f"  = {report / floor:.1f} × floor  ({report / one_paragraph:.1f} × the one-paragraph page)"
        )
        print(
            f"center report (PDF only)                 median {layout * 1000:7.0f} ms"
            f"  = {layout / floor:.1f} × floor  ({layout / one_paragraph:.1f} × the one-paragraph page)"
        )
        print(
            f"district summary, {len(centers)} centers           {summary_time:7.2f} s"
            f"  (data {summary_build:.2f} s, {summary_pages} pages)"
        )
        if not args.skip_workers:
            for concurrency in (1, 2):
                elapsed, count, status = whole_cycle(small, bureau, concurrency, db_url)
                print(
                    f"whole cycle, {args.cycle_centers} centers = {count} reports, {concurrency} worker(s): "
                    f"{elapsed:7.1f} s  ({elapsed / count:.2f} s per report, job {status})"
                )
    finally:
        connection.close()
        teardown_databases(old_config, verbosity=0)


def _meta() -> dict:
    from django.utils import timezone

    from reports.integrity import qr_png_data_uri

    url = "http://127.0.0.1:8000/reports/verify/ABCD-EFGH-JKMN/"
    return {"code": "ABCD-EFGH-JKMN", "revision": 1, "generated_at": timezone.now(), "verification_url": url,
            "qr": qr_png_data_uri(url)}  # fmt: skip


def _ms(runs) -> str:
    return ", ".join(f"{r * 1000:.0f}" for r in runs)


if __name__ == "__main__":
    main()
