from celery import shared_task

from core.jobs import run_job


@shared_task
def render_test_pdf(job_id: str):
    from .services import test_pdf_render

    run_job(job_id, test_pdf_render)
