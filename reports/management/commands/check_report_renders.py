"""Operators' check that the worker renders every report: ``manage.py check_report_renders --rounds 10``.

With the portal running (``make run``: its two worker processes and beat), every round renders every
report of every published cycle anew through the real path — the outbox, the broker, the worker — and
waits for the jobs. Exits non-zero if any report failed or a round did not finish in time.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from core.choices import JobStatus
from core.models import Job
from evaluations.choices import RESULTS_OUT_STATES
from evaluations.models import Cycle
from reports.models import RenderStatus, ReportRender
from reports.services import cycle_reports_request


class Command(BaseCommand):
    help = "Render every report of every published cycle N times on the running worker; 0 failures expected."

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=10)
        parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per round")

    def handle(self, *, rounds, timeout, **options):
        cycles = list(Cycle.objects.filter(state__in=RESULTS_OUT_STATES).order_by("year"))
        if not cycles:
            raise CommandError("没有已公布的考评年度：请先运行 seed_demo。")
        failures = 0
        for number in range(1, rounds + 1):
            started = time.monotonic()
            jobs = [
                cycle_reports_request(cycle=cycle, reason=f"渲染检查第 {number} 轮", force=True)
                for cycle in cycles
            ]
            ids = [job.pk for job in jobs]
            while Job.objects.filter(pk__in=ids, status__in=[JobStatus.PENDING, JobStatus.RUNNING]).exists():
                if time.monotonic() - started > timeout:
                    raise CommandError(
                        f"第 {number} 轮在 {timeout} 秒内未完成：worker 是否在运行（make run）？"
                    )
                time.sleep(1)
            renders = ReportRender.objects.filter(job_id__in=ids)
            failed = renders.filter(status=RenderStatus.FAILED)
            failures += failed.count()
            self.stdout.write(
                f"第 {number} 轮：{renders.count()} 份报告，失败 {failed.count()} 份，"
                f"用时 {time.monotonic() - started:.0f} 秒"
            )
            for render in failed:
                self.stdout.write(f"  失败：{render.label}：{render.error}")
        if failures:
            raise CommandError(f"共 {failures} 份报告生成失败")
        self.stdout.write(self.style.SUCCESS(f"{rounds} 轮全部生成成功，0 失败"))
