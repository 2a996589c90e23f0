"""Background tasks of the centers app (core.jobs: ids only, idempotent)."""

from celery import shared_task

from core.jobs import JobTask, run_job, time_limits


@shared_task(bind=True, base=JobTask, **time_limits("cycle"))
def compliance_refresh_task(self, job_id: str):
    """Refresh the compliance table for the centers of the job (centers.compliance_table)."""
    from .compliance_table import refresh_work

    run_job(job_id, refresh_work, task=self)


@shared_task
def compliance_nightly_task():
    """Beat, nightly: every center, every stored year and the current one, as one job."""
    from .compliance_table import ALL, queue_refresh

    queue_refresh(ALL)


@shared_task(bind=True, base=JobTask, **time_limits("cycle"))
def organization_import_task(self, job_id: str):
    """Import the stored sheet of the job (all or nothing; centers.importing)."""
    from .importing import organization_import_work

    run_job(job_id, organization_import_work, task=self)
