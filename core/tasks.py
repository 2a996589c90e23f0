"""Beat tasks of the job machinery: the outbox dispatcher and the sweeper (see core.jobs)."""

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
