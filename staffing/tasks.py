"""Background tasks of the staffing app (core.jobs: ids only, idempotent)."""

from celery import shared_task

from core.jobs import JobTask, run_job, time_limits


@shared_task(bind=True, base=JobTask, **time_limits("cycle"))
def talent_import_task(self, job_id: str):
    """Import the stored talent-pool sheet of the job (all or nothing; staffing.excel)."""
    from .excel import talent_import_work

    run_job(job_id, talent_import_work, task=self)
