"""Celery tasks: thin, by id, idempotent; the work is in services."""

from celery import shared_task

from core.jobs import JobTask, run_job, time_limits


@shared_task(bind=True, base=JobTask, **time_limits("cycle"))
def open_cycle_task(self, job_id: str):
    from .services import cycle_open_work

    run_job(job_id, cycle_open_work, task=self)


@shared_task(bind=True, base=JobTask, **time_limits("cycle"))
def compute_results_task(self, job_id: str):
    from .services import results_work

    run_job(job_id, results_work, task=self)


@shared_task
def send_reminders_task():
    """Daily (CELERY_BEAT_SCHEDULE): reminders before deadlines and the overdue list; safe to run twice."""
    from .services import reminders_send

    return reminders_send()


@shared_task(bind=True, base=JobTask, error_retries=5, **time_limits("quick"))
def send_notifications_task(self, job_id: str):
    """The e-mails of in-portal notices, after the transaction that wrote them committed (outbox)."""
    from .services.notifications import notifications_send_work

    run_job(job_id, notifications_send_work, task=self)


@shared_task
def close_publicity_task():
    """Daily (CELERY_BEAT_SCHEDULE): cycles whose publicity period has ended become final (定稿)."""
    from .services import publicity_close_due

    return publicity_close_due()
