"""Beat tasks: the job machinery's outbox dispatcher and sweeper (see core.jobs), the nightly
backup with retention, and the cleaning of abandoned uploads."""

from celery import shared_task

from .jobs import jobs_sweep, outbox_dispatch, time_limits


@shared_task(ignore_result=True, **time_limits("quick"))
def outbox_dispatch_task() -> int:
    """Every JOBS_DISPATCH_SECONDS: send what the outbox holds unsent (a broker outage's backlog)."""
    return outbox_dispatch()


@shared_task(ignore_result=True, **time_limits("quick"))
def jobs_sweep_task() -> dict:
    """Every JOBS_SWEEP_SECONDS: re-queue or close the jobs whose heartbeat stopped."""
    return jobs_sweep()


# Acknowledged on receipt: a backup that outlives the broker's visibility timeout must not be delivered
# (and written) a second time; one lost to a dead worker is simply made again the next night.
@shared_task(acks_late=False, soft_time_limit=2 * 60 * 60, time_limit=2 * 60 * 60 + 300)
def nightly_backup_task():
    from django.conf import settings

    from .backup import backup_create, backup_prune

    result = backup_create(output_dir=settings.BACKUP_DIR)
    removed = backup_prune(directory=settings.BACKUP_DIR, keep_days=settings.BACKUP_KEEP_DAYS)
    return {"archive": str(result.path), "removed": [str(p) for p in removed]}


@shared_task
def clean_abandoned_uploads_task():
    from .backup import clean_abandoned_uploads

    return clean_abandoned_uploads()
