"""Operations run by beat: the nightly backup with retention, and the cleaning of abandoned uploads."""

from celery import shared_task


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
