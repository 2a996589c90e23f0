"""Compliance computed once per change (issue 16 §3): the ``CenterCompliance`` table.

The engine (``centers.rules.evaluate_centers``) judges a center from a dozen registers; the district
overview, the center list, the home page and the compliance API read its verdicts from one row per
center and year instead, in one query.

- *A change* of any input of a rule — the center's own fields, a register row (venues, accounts,
  income, board, supervisors, rules, meetings, seals, hand-overs, archives, plans), a rating, a staff
  member, a social organization (N), a policy parameter, a minimum wage — calls
  ``compliance_changed(center_ids)`` (``centers.apps`` connects it to the models' save/delete
  signals; bulk writes such as the organization import call it themselves). In the same transaction
  it marks the centers' rows ``stale``; after commit it queues one refresh job (kind
  ``centers.compliance_refresh``) through ``core.jobs`` — several changes of one transaction are one
  job, and a job not yet started takes further centers in instead of a second job being queued.
  A center with no stored rows (new, or a fresh database) queues nothing: it is judged live until
  the nightly run stores it.
- *The job* (``centers.tasks.compliance_refresh_task``) judges those centers for every year already
  stored and the current year, and replaces their rows (``stale`` off, ``computed_at`` now).
- *Nightly* (beat ``centers-compliance-nightly``) every center is refreshed: the current year is
  judged on today, so "established two years ago" and "rating still valid" move on with the date.
- *Readers* (``compliance_for``) take the stored rows that are not stale and judge the rest live (a
  center just changed, a year never stored): pages never show a verdict older than the data, and say
  when the stored ones were computed (计算于 …).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .compliance import RuleResult, RuleStatus

KIND = "centers.compliance_refresh"
LABEL = "重新计算服务中心建设达标情况"
ALL = "all"

_local = threading.local()


@dataclass
class CenterVerdicts:
    results: list[RuleResult]
    counts: dict[str, int]
    computed_at: datetime | None  # None: judged live just now (changed since the last refresh)


STAFF_RULES = ("R-STAFF-1", "R-STAFF-2", "R-STAFF-3")  # one of them judges a center's staffing


@dataclass
class CenterDigest:
    """A center's year in brief: every rule's status, and the staffing verdict's figures."""

    statuses: dict[str, str]
    staff_figures: dict
    computed_at: datetime | None  # None: judged live just now


def digest_of(results: Iterable[RuleResult | dict]) -> tuple[dict[str, str], dict]:
    """``statuses`` and ``staff_figures`` of a list of results (RuleResult or their dicts)."""
    statuses, staff = {}, None
    for r in results:
        rule, status, figures = (
            (r["rule"], r["status"], r["figures"]) if isinstance(r, dict) else (r.rule, r.status, r.figures)
        )
        statuses[rule] = status
        if staff is None and rule in STAFF_RULES:
            staff = figures
    return statuses, dict(staff or {})


def digests_for(centers: list, year: int, *, live: bool = True) -> dict[int, CenterDigest]:
    """Each center's digest of ``year``: the stored rows in one query (two small columns, not the
    results), the stale or missing ones judged live (``live=False``: left out)."""
    from .models import CenterCompliance
    from .rules import evaluate_centers

    ids = [c.pk for c in centers]
    stored = {
        center_id: CenterDigest(statuses, staff, at)
        for center_id, statuses, staff, at in CenterCompliance.objects.filter(
            center_id__in=ids, year=year, stale=False
        ).values_list("center_id", "statuses", "staff_figures", "computed_at")
    }
    if not live:
        return stored
    unjudged = [c for c in centers if c.pk not in stored]
    for center_id, results in evaluate_centers(unjudged, year).items():
        stored[center_id] = CenterDigest(*digest_of(results), None)
    return stored


def _counts(results: Iterable[RuleResult]) -> dict[str, int]:
    counts = {s.value: 0 for s in RuleStatus}
    for r in results:
        counts[r.status] += 1
    return counts


# ---- reading ------------------------------------------------------------------------------------------
def compliance_for(centers: list, year: int, rules: Iterable[str] | None = None) -> dict[int, CenterVerdicts]:
    """Verdicts by center id: stored rows in one query, the stale or missing ones judged live.

    ``rules``: only these rules' results are returned (the counts still count every rule: the stored
    columns, or the whole live evaluation). On PostgreSQL the other results are left in the database
    (``jsonb_array_elements``), so a page that shows a few columns decodes no more than those."""
    from django.db import connection
    from django.db.models import JSONField
    from django.db.models.expressions import RawSQL

    from .models import CenterCompliance
    from .rules import evaluate_centers

    ids = [c.pk for c in centers]
    if not ids:
        return {}
    wanted = None if rules is None else set(rules)
    rows = CenterCompliance.objects.filter(center_id__in=ids, year=year, stale=False)
    if wanted is not None and connection.vendor == "postgresql":
        table = CenterCompliance._meta.db_table
        rows = rows.annotate(
            taken=RawSQL(
                "COALESCE((SELECT jsonb_agg(verdict ORDER BY position)"
                f' FROM jsonb_array_elements("{table}"."results") WITH ORDINALITY AS r(verdict, position)'
                " WHERE verdict->>'rule' = ANY(%s)), '[]'::jsonb)",
                (sorted(wanted),),
                output_field=JSONField(),
            )
        )
        fields = ["taken"]
    else:
        fields = ["results"]
    stored = {
        row["center_id"]: row
        for row in rows.values("center_id", *fields, "computed_at", *(s.value for s in RuleStatus))
    }
    verdicts: dict[int, CenterVerdicts] = {}
    for center_id, row in stored.items():
        results = [RuleResult(**r) for r in row[fields[0]] if wanted is None or r["rule"] in wanted]
        counts = {s.value: row[s.value] for s in RuleStatus}  # written with the results (compliance_refresh)
        verdicts[center_id] = CenterVerdicts(results, counts, row["computed_at"])
    unjudged = [c for c in centers if c.pk not in stored]
    for center_id, results in evaluate_centers(unjudged, year).items():
        taken = [r for r in results if wanted is None or r.rule in wanted]
        verdicts[center_id] = CenterVerdicts(taken, _counts(results), None)
    return verdicts


def computed_note(verdicts: Iterable[CenterVerdicts | CenterDigest]) -> str:
    """What a page says about when its verdicts were computed, in Chinese."""
    verdicts = list(verdicts)
    times = [v.computed_at for v in verdicts if v.computed_at is not None]
    return stored_note(min(times) if times else None, len(verdicts) - len(times))


def stored_note(
    oldest: datetime | None, live: int, *, what: str = "达标情况", done: str = "计算", judged: str = "判断"
) -> str:
    """“达标情况计算于 <oldest>；其中 <live> 个中心的数据刚有变动，按当前数据实时判断。” (what was read from
    the stored rows, when the oldest was written, how many centers were judged live instead)."""
    parts = []
    if oldest is not None:
        parts.append(f"{what}{done}于 {timezone.localtime(oldest):%Y-%m-%d %H:%M}")
    if live and oldest is not None:
        parts.append(f"其中 {live} 个中心的数据刚有变动，按当前数据实时{judged}")
    elif live:
        parts.append(f"{what}按当前数据实时{judged}")
    return "；".join(parts) + "。" if parts else ""


# ---- writing ------------------------------------------------------------------------------------------
def compliance_refresh(center_ids: Iterable[int] | str = ALL, years: Iterable[int] | None = None) -> int:
    """Judge the centers (``ALL``: every center) for ``years`` (default: every year stored for them and
    the current year) and replace their rows; returns how many rows were written. Idempotent."""
    from .models import CenterCompliance, ServiceCenter
    from .rules import evaluate_centers

    centers_qs = ServiceCenter.objects.all()
    if center_ids != ALL:
        centers_qs = centers_qs.filter(pk__in=list(center_ids))
    centers = list(centers_qs)
    if not centers:
        return 0
    ids = [c.pk for c in centers]
    if years is None:
        stored = CenterCompliance.objects.filter(center_id__in=ids) if center_ids != ALL else None
        stored = stored if stored is not None else CenterCompliance.objects.all()
        years = set(stored.values_list("year", flat=True).distinct()) | {timezone.localdate().year}
    written = 0
    for year in sorted(set(years)):
        with transaction.atomic():
            now = timezone.now()
            results = evaluate_centers(centers, year)
            rows = []
            for center in centers:
                center_results = results[center.pk]
                counts = _counts(center_results)
                statuses, staff_figures = digest_of(center_results)
                rows.append(
                    CenterCompliance(
                        center=center,
                        year=year,
                        results=[r.as_dict() for r in center_results],
                        statuses=statuses,
                        staff_figures=staff_figures,
                        computed_at=now,
                        stale=False,
                        **counts,
                    )
                )
            CenterCompliance.objects.bulk_create(
                rows,
                batch_size=500,
                update_conflicts=True,
                unique_fields=["center", "year"],
                update_fields=[
                    "results",
                    "statuses",
                    "staff_figures",
                    "met",
                    "not_met",
                    "no_data",
                    "not_applicable",
                    "computed_at",
                    "stale",
                ],
            )
            written += len(rows)
    return written


def compliance_changed(center_ids: Iterable[int] | str) -> None:
    """An input of the rules changed for ``center_ids`` (or ``ALL``): mark their rows stale now, queue
    one refresh job after commit (coalesced, see the module's docstring)."""
    from .models import CenterCompliance

    if getattr(_local, "paused", False):
        return
    rows = CenterCompliance.objects.all()
    if center_ids != ALL:
        center_ids = {int(pk) for pk in center_ids if pk}
        rows = rows.filter(center_id__in=center_ids)
    # Only stored verdicts can be outdated: a center without rows is judged live (and stored by the
    # nightly run), so a new center or an empty database (migrate, flush) queues nothing.
    if (center_ids != ALL and not center_ids) or not rows.update(stale=True):
        return
    from django.db import connection

    if not connection.in_atomic_block:  # autocommit: the change is committed already
        queue_refresh(center_ids)
        return
    _pending_refresh().add(center_ids)


class _PendingRefresh:
    """The after-commit hook of one transaction: the centers its changes concern."""

    def __init__(self):
        self.ids: set[int] = set()
        self.everything = False

    def add(self, center_ids) -> None:
        if center_ids == ALL:
            self.everything = True
        else:
            self.ids.update(center_ids)

    def __call__(self) -> None:
        queue_refresh(ALL if self.everything else sorted(self.ids))


def _pending_refresh() -> _PendingRefresh:
    """This transaction's hook, registered once (looked up among the connection's hooks, so a hook a
    rolled-back savepoint dropped is registered again)."""
    from django.db import connection

    for _sids, func, _robust in connection.run_on_commit:
        if isinstance(func, _PendingRefresh):
            return func
    hook = _PendingRefresh()
    transaction.on_commit(hook, robust=True)
    return hook


def queue_refresh(center_ids: Iterable[int] | str):
    """One refresh job for ``center_ids``: a job of this kind not yet started takes them in (locked,
    so a worker starting it meanwhile waits and reads the merged list); otherwise a new job."""
    from core.choices import JobStatus
    from core.jobs import job_create, job_enqueue
    from core.models import Job

    wanted = ALL if center_ids == ALL else sorted({int(pk) for pk in center_ids})
    with transaction.atomic():
        job = (
            Job.objects.select_for_update()
            .filter(kind=KIND, status=JobStatus.PENDING, started_at__isnull=True)
            .order_by("created_at")
            .first()
        )
        if job is not None:
            have = job.params.get("centers", [])
            if have != ALL:
                merged = ALL if wanted == ALL else sorted(set(have) | set(wanted))
                if merged != have:
                    Job.objects.filter(pk=job.pk).update(params={**job.params, "centers": merged})
            return job
        job = job_create(kind=KIND, label=LABEL, params={"centers": wanted})
        job_enqueue(job, "centers.tasks.compliance_refresh_task")
        return job


def refresh_work(job, ctx) -> dict:
    """The job's work: refresh the centers of its parameters."""
    centers = job.params.get("centers", ALL)
    written = compliance_refresh(centers)
    ctx.log(f"已重新计算 {written} 条（中心 × 年度）建设达标结果")
    return {"rows": written}


class paused:
    """``with paused():`` no marking and no job (the demo seeding refreshes everything at its end)."""

    def __enter__(self):
        self.before = getattr(_local, "paused", False)
        _local.paused = True
        return self

    def __exit__(self, *exc):
        _local.paused = self.before
        return False


# ---- signals: which centers a saved or deleted row concerns --------------------------------------------
def _on_center_row(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    compliance_changed([getattr(instance, "center_id", None)])


def _on_center(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    compliance_changed([instance.pk])


def _on_rating(sender, instance, **kwargs):
    if kwargs.get("raw") or not instance.center_id:
        return  # an organization's rating is no input of a center's rules
    compliance_changed([instance.center_id])


def _on_everything(sender, instance=None, **kwargs):
    if kwargs.get("raw"):
        return
    compliance_changed(ALL)  # N of the district center (and of areas) or a policy number moved


def connect_signals() -> None:
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save

    per_center = [
        "centers.Venue",
        "centers.BankAccount",
        "centers.PurchaseContract",
        "centers.IncomeLine",
        "centers.BoardMember",
        "centers.Supervisor",
        "centers.GovernanceRule",
        "centers.Meeting",
        "centers.SealCustodian",
        "centers.HandOver",
        "centers.ArchiveInventory",
        "centers.AnnualPlan",
        "staffing.StaffMember",
    ]
    handlers = [(label, _on_center_row) for label in per_center]
    handlers += [("centers.ServiceCenter", _on_center), ("centers.RatingRecord", _on_rating)]
    handlers += [
        (label, _on_everything)
        for label in ("centers.SocialOrganization", "core.PolicyParameter", "staffing.MinimumWage")
    ]
    for label, handler in handlers:
        model = apps.get_model(label)
        for signal in (post_save, post_delete):
            signal.connect(
                handler, sender=model, weak=False, dispatch_uid=f"centers.compliance.{label}.{signal}"
            )
