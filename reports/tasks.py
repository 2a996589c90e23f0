from celery import shared_task

from core.jobs import JobTask, run_job, time_limits

RENDER_RETRIES = 2  # a render that fails for another reason than an outage is tried again twice


@shared_task(bind=True, base=JobTask, **time_limits("report"))
def render_test_pdf(self, job_id: str):
    from .services import test_pdf_render

    run_job(job_id, test_pdf_render, task=self)


@shared_task(bind=True, base=JobTask, error_retries=RENDER_RETRIES, **time_limits("report"))
def render_report(self, job_id: str, render_id: int):
    """One report of a cycle's fan-out job (ids only; safe to run twice)."""
    from .services import report_render_run

    report_render_run(job_id, render_id, task=self)
