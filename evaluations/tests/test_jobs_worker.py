"""The evaluation's jobs on a real Celery worker: opening a cycle and final scoring; each run again
(as after a worker killed midway and the message redelivered) ends with the same result, no duplicates."""

import time

from evaluations import services
from evaluations.models import Filing, Result
from evaluations.tasks import compute_results_task, open_cycle_task

from .conftest import through_scoring


def wait_for_attempt(job, attempt: int, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.attempts >= attempt and job.is_finished:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job.pk} attempt {attempt} not finished: {job.log}")


def test_open_and_scoring_jobs_run_on_the_worker_and_again_without_duplicates(
    worker, job_waiter, people, centers
):
    bureau = people["bureau"]
    cycle = services.cycle_create(year=2030, actor=bureau)
    # a run that died midway left some filings behind
    Filing.objects.bulk_create([Filing(cycle=cycle, center=c) for c in centers[:4]])
    job = services.cycle_open(cycle=cycle, actor=bureau)
    job = job_waiter(job, timeout=120)
    assert job.status == "succeeded", job.log
    assert Filing.objects.filter(cycle=cycle).count() == 11
    open_cycle_task.delay(str(job.pk))  # redelivered
    assert wait_for_attempt(job, 2).status == "succeeded"
    assert Filing.objects.filter(cycle=cycle).count() == 11

    scored, _draw = through_scoring(people, centers, year=2031)
    job = job_waiter(services.results_request(cycle=scored, actor=bureau), timeout=120)
    assert job.status == "succeeded", job.log and job.progress == 100
    first = sorted(
        Result.objects.filter(result_set__cycle=scored).values_list("center_id", "final_score", "rank")
    )
    compute_results_task.delay(str(job.pk))  # run again: same rows, none added
    job = wait_for_attempt(job, 2)
    assert job.status == "succeeded", job.log
    again = sorted(
        Result.objects.filter(result_set__cycle=scored).values_list("center_id", "final_score", "rank")
    )
    assert again == first and len(again) == 11
    assert "已完成" in job.log
