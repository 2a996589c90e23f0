"""Outages an operator can cause — broker down, database stopped, worker killed — and what survives them.

Each test breaks the private servers of ``tests/faults/conftest.py`` (never the shared ones) while the
portal works, and checks the outcome a user would: the page answered in Chinese, and every piece of
work ends done, once, without anybody touching a shell.
"""

from __future__ import annotations

import time

import pytest

from .conftest import wait_until

pytestmark = [pytest.mark.worker]

NOTICE = "后台服务暂不可用，任务已记录，恢复后自动执行"


def _force_render(portal, year: int) -> dict:
    """Every report of the year rendered anew (the operators' render check), through the outbox."""
    return portal.python(
        f"""
        from accounts.models import User
        from evaluations import services
        from evaluations.models import Cycle
        from reports.services import cycle_reports_request
        cycle = Cycle.objects.get(year={year})
        if cycle.state == "scoring":  # when this test runs alone: publish first (reports queued below)
            services.cycle_publish(cycle=cycle, actor=User.objects.get(username="bureau"), queue_reports=False)
            cycle.refresh_from_db()
        job = cycle_reports_request(cycle=cycle, reason="故障测试", force=True)
        emit({{"job": str(job.pk), "total": job.params["total"]}})
        """
    )


def _wait_some_done(portal, job_id: str, timeout: float = 120) -> None:
    wait_until(lambda: portal.renders(job_id).get("done", 0) >= 1, timeout, "first report rendered", 0.2)


def _assert_every_report_made_once(portal, job_id: str, total: int) -> None:
    assert portal.renders(job_id) == {"done": total}
    rows = portal.pg.query(
        "SELECT count(*), count(DISTINCT subject_key) FROM reports_reportdocument WHERE job_id = %s",
        (job_id,),
    )
    assert rows[0] == (total, total)  # one new revision per report: none missing, none twice
    empty = portal.pg.query(
        "SELECT count(*) FROM reports_reportdocument WHERE job_id = %s AND size = 0", (job_id,)
    )
    assert empty[0][0] == 0


def test_broker_down_during_open_render_and_publish_then_everything_runs_when_it_returns(portal):
    portal.broker.stop()
    try:
        outcome = portal.python(
            f"""
            from django.test import Client
            from accounts.models import User
            from evaluations.models import Cycle
            client = Client()
            client.force_login(User.objects.get(username="bureau"))
            draft = Cycle.objects.get(year=2026)
            scoring = Cycle.objects.get(year=2025)
            pages = {{}}
            r = client.post(f"/evaluations/cycles/{{draft.pk}}/open/", follow=True)
            pages["open"] = (r.status_code, "{NOTICE}" in r.content.decode())
            r = client.post(f"/evaluations/cycles/{{scoring.pk}}/advance/", {{"to_state": "published"}}, follow=True)
            pages["publish"] = (r.status_code, "{NOTICE}" in r.content.decode())
            r = client.post(f"/reports/cycles/{{scoring.pk}}/render/", {{"reason": "重新生成"}}, follow=True)
            pages["render"] = (r.status_code, "{NOTICE}" in r.content.decode())
            draft.refresh_from_db(); scoring.refresh_from_db()
            emit({{"pages": pages, "states": [draft.state, scoring.state]}})
            """
        )
    finally:
        portal.broker.start()
    assert outcome["pages"] == {"open": [200, True], "publish": [200, True], "render": [200, True]}
    assert outcome["states"] == ["open", "publicity"]  # publishing opens the publicity period
    jobs = portal.pg.query(
        "SELECT id::text, kind FROM core_job WHERE id IN (SELECT job_id FROM core_jobmessage) ORDER BY created_at"
    )
    assert [kind for _id, kind in jobs] == [
        "evaluations.cycle_open",
        "reports.cycle_reports",
        "reports.cycle_reports",
    ]
    unsent = portal.pg.query("SELECT count(*) FROM core_jobmessage WHERE sent_at IS NULL")[0][0]
    assert unsent > 2  # kept in the outbox while the broker was away

    # Redis is back: the beat's dispatcher sends what was kept, the worker does it.
    for job_id, _kind in jobs:
        assert portal.wait_job(job_id, 240)["status"] == "succeeded"
    filings = portal.pg.query(
        "SELECT count(*) FROM evaluations_filing f JOIN evaluations_cycle c ON c.id = f.cycle_id WHERE c.year = 2026"
    )[0][0]
    assert filings > 0
    for job_id, kind in jobs:
        if kind == "reports.cycle_reports":
            assert set(portal.renders(job_id)) <= {"done", "unchanged"}
    assert portal.pg.query("SELECT count(*) FROM core_jobmessage WHERE sent_at IS NULL")[0][0] == 0


def test_database_stopped_for_15_seconds_during_a_render_every_report_is_made(portal):
    started = _force_render(portal, 2025)
    _wait_some_done(portal, started["job"])
    portal.pg.stop()
    time.sleep(15)
    portal.pg.start()
    job = portal.wait_job(started["job"], 240)
    assert job["status"] == "succeeded", job["log"]
    _assert_every_report_made_once(portal, started["job"], started["total"])
    # Nothing English for the user (the retries' notes are written when the database lets them).
    assert "Error" not in job["log"] and "Traceback" not in job["log"]


def test_worker_killed_mid_fan_out_every_report_made_once_within_the_sweepers_period(portal):
    started = _force_render(portal, 2025)
    _wait_some_done(portal, started["job"])
    portal.kill_worker()  # the messages it was running and had reserved stay unacknowledged in Redis
    killed_at = time.monotonic()
    portal.start_worker()
    job = portal.wait_job(started["job"], 400)
    elapsed = time.monotonic() - killed_at
    assert job["status"] == "succeeded", job["log"]
    _assert_every_report_made_once(portal, started["job"], started["total"])
    # Redis would hand the lost messages out again only after its visibility timeout (18 minutes
    # here); the sweeper re-queued them once the job's heartbeat had been silent for JOBS_STALE_SECONDS.
    assert "后台进程长时间无响应，已自动重新排队" in job["log"]
    assert elapsed < 400
