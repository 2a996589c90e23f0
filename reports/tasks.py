from celery import shared_task

from core.jobs import run_job

RENDER_RETRIES = 2  # a failed render is tried again twice, then reported on the job with its reason


@shared_task
def render_test_pdf(job_id: str):
    from .services import test_pdf_render

    run_job(job_id, test_pdf_render)


@shared_task(bind=True, autoretry_for=(Exception,), max_retries=RENDER_RETRIES, default_retry_delay=2)
def render_report(self, job_id: str, render_id: int):
    """One report of a cycle's fan-out job (ids only; safe to run twice)."""
    from .services import report_render_run

    report_render_run(job_id, render_id, final_attempt=self.request.retries >= self.max_retries)
