"""Background tasks of the accounts app (core.jobs: ids only, idempotent)."""

from celery import shared_task

from core.jobs import JobTask, run_job, time_limits


@shared_task(bind=True, base=JobTask, **time_limits("cycle"))
def user_import_task(self, job_id: str):
    """Create the accounts of the stored sheet of the job (all or nothing; accounts.importing)."""
    from .importing import user_import_work

    run_job(job_id, user_import_work, task=self)
