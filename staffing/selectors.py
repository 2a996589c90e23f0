"""Reads of the staffing app: the roster on a date, staffing figures for the compliance engine,
a roster snapshot for filings, trainings, the talent pool, phone masking per role."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from centers.compliance import RuleStatus, StaffingFigures
from core.permissions import restrict

from .choices import Position, StaffKind
from .models import MinimumWage, StaffMember, TalentProfile, Training
from .rules import RosterSummary, judge_summary, minimum_wage_reference_date

# ---- the roster on a date --------------------------------------------------------------------------


def employed_on_q(on: date, prefix: str = "") -> Q:
    """Rows employed on ``on``: start ≤ on and (no end or end ≥ on)."""
    return Q(**{f"{prefix}start_date__lte": on}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": on})
    )


def roster_on(center, on: date) -> QuerySet[StaffMember]:
    """The center's roster as it stood on ``on``."""
    return StaffMember.objects.filter(employed_on_q(on), center=center).order_by("kind", "start_date", "name")


def roster_for(
    center, on: date | None = None, *, search: str = "", kind: str = "", include_former: bool = False
) -> QuerySet[StaffMember]:
    """The roster page's list: people on ``on`` (or everyone ever, with include_former)."""
    qs = StaffMember.objects.filter(center=center)
    if not include_former:
        qs = qs.filter(employed_on_q(on or date.today()))
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(other_certificates__icontains=search))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("kind", "start_date", "name", "pk")


def roster_as_recorded(center, on: date) -> list:
    """The roster as the portal had it recorded at the end of ``on`` (django-simple-history).

    Unlike ``roster_on`` (today's records of the people employed on ``on``), field values such as pay
    and post grade are the ones recorded then, and a person entered later is not in it.
    """
    from datetime import datetime, time

    from django.utils import timezone

    moment = timezone.make_aware(datetime.combine(on, time.max))
    records = StaffMember.history.as_of(moment).filter(employed_on_q(on), center_id=center.pk)
    return sorted(records, key=lambda m: (m.kind, m.start_date, m.name, m.pk))


def minimum_wage_for(on: date) -> MinimumWage | None:
    """R-PAY-3: the Shanghai minimum wage in force on 31 December of the year before ``on``'s year."""
    reference = minimum_wage_reference_date(on)
    return MinimumWage.objects.filter(effective_from__lte=reference).order_by("-effective_from").first()


def _figures(center, summary: RosterSummary, on: date, wage) -> StaffingFigures:
    return StaffingFigures(
        full_time=summary.full_time,
        part_time=summary.part_time,
        labor=summary.labor,
        rehired=summary.rehired,
        volunteers=summary.volunteers,
        findings=judge_summary(center, summary, on, wage),
        monthly_pay_total=summary.monthly_pay_total,
    )


def _figures_for(center, members: list[StaffMember], on: date, wage) -> StaffingFigures:
    return _figures(center, RosterSummary.from_members(members, wage), on, wage)


# The columns the rules read of a notable person (staffing.rules); the rest is not fetched.
FIGURE_FIELDS = (
    "center",
    "name",
    "kind",
    "is_rehired",
    "position",
    "is_legal_representative",
    "start_date",
    "end_date",
    "contract",
    "post_grade",
    "monthly_pay",
    "transport_subsidy",
    "meal_subsidy",
)


# Blank as Python's str.strip() sees it (a superset is harmless: the rules test each person again).
BLANK_PATTERN = r"^[\s\u3000\u00a0]*$"


def notable_q(floor: Decimal | None) -> Q:
    """staffing.rules.is_notable in SQL: the people a staffing rule may name."""
    paid = Q(monthly_pay__isnull=False, monthly_pay__gt=0)
    labor_open = (
        Q(monthly_pay__isnull=True)
        if floor is None
        else Q(monthly_pay__isnull=True) | Q(monthly_pay__lt=floor)
    )
    return (
        Q(position__in=(Position.DIRECTOR, Position.LEGAL_REPRESENTATIVE))
        | Q(is_legal_representative=True)
        | Q(is_rehired=True)
        | Q(kind=StaffKind.FULL_TIME, post_grade__regex=BLANK_PATTERN)
        | (Q(kind__in=(StaffKind.PART_TIME, StaffKind.VOLUNTEER)) & paid)
        | (Q(kind=StaffKind.LABOR) & labor_open)
    )


def roster_summaries(center_ids, on: date, wage) -> dict[int, RosterSummary]:
    """The RosterSummary on ``on`` of each center that has ever recorded anyone (a center missing from
    the answer has no roster at all), in two queries whatever the size of the rosters: counts and sums
    grouped by center, kind and rehired flag, then the notable people only."""
    employed = employed_on_q(on)
    summaries: dict[int, RosterSummary] = {}
    grouped = (
        StaffMember.objects.filter(center_id__in=center_ids)
        .values("center_id", "kind", "is_rehired")
        .annotate(
            n=Count("pk", filter=employed),
            pay=Sum("monthly_pay", filter=employed),
            transport=Sum("transport_subsidy", filter=employed),
            meal=Sum("meal_subsidy", filter=employed),
        )
        .order_by()
    )
    for row in grouped:
        summary = summaries.setdefault(row["center_id"], RosterSummary())
        n, kind, rehired = row["n"], row["kind"], row["is_rehired"]
        if kind == StaffKind.FULL_TIME:
            summary.full_time += n
        elif kind == StaffKind.PART_TIME:
            summary.part_time += n
        elif kind == StaffKind.LABOR:
            summary.labor += n
            summary.labor_not_rehired += 0 if rehired else n
        elif kind == StaffKind.VOLUNTEER:
            summary.volunteers += n
            summary.volunteer_subsidies += (row["transport"] or 0) + (row["meal"] or 0)
        summary.rehired += n if rehired else 0
        if row["pay"] is not None:
            summary.monthly_pay_total = (summary.monthly_pay_total or Decimal("0")) + row["pay"]
    if not summaries:
        return summaries
    floor = wage.monthly_amount if wage is not None else None
    notable = (
        StaffMember.objects.filter(employed, center_id__in=list(summaries))
        .filter(notable_q(floor))
        .only(*FIGURE_FIELDS)
        .order_by("start_date", "pk")
    )
    for member in notable:
        summaries[member.center_id].notable.append(member)
    return summaries


def staffing_figures(centers: list, on: date) -> dict[int, StaffingFigures]:
    """STAFFING_FIGURES_PROVIDER for centers.compliance: figures by center id, in three queries (the
    minimum wage, grouped counts and sums, and only the people a rule may name: never the whole roster).

    Counts are the roster as it stood on ``on``. A center that has never recorded anyone on its
    roster is left out of the answer, so the compliance engine says "no data" rather than "0 staff";
    a center whose roster exists but has nobody on ``on`` is answered with zeros.
    """
    by_id = {c.pk: c for c in centers}
    if not by_id:
        return {}
    wage = minimum_wage_for(on)
    summaries = roster_summaries(list(by_id), on, wage)
    return {pk: _figures(by_id[pk], summary, on, wage) for pk, summary in summaries.items()}


def required_full_time(center, n: int | None, *, policy: dict | None = None) -> int | None:
    """Full-time staff the policy requires for ``n`` social organizations (R-STAFF-1/2).

    District: ⌈n / district_staff_ratio⌉; street/town: max(street_town_staff_minimum,
    ⌈n / street_town_staff_ratio⌉); industry (R-STAFF-3): no fixed ratio → None. The numbers come from
    core.selectors.policy_values() (pass ``policy`` to reuse one read for a whole table).
    """
    from centers.rules import required_full_time as engine_required_full_time
    from core.selectors import policy_values

    if n is None:
        return None
    return engine_required_full_time(center.level, n, policy if policy is not None else policy_values())


# ---- personal data --------------------------------------------------------------------------------

_DIGITS = re.compile(r"\D")


def mask_phone(phone: str) -> str:
    """138****1234: the first three and the last four digits stay, the middle is hidden."""
    digits = _DIGITS.sub("", phone or "")
    if not digits:
        return ""
    if len(digits) <= 7:
        return "*" * (len(digits) - 4) + digits[-4:] if len(digits) > 4 else "****"
    return f"{digits[:3]}****{digits[-4:]}"


def phone_visible_center_ids(user) -> set[int] | None:
    """Centers whose people's phones ``user`` sees unmasked: None = all (bureau), else their own centers."""
    from centers.models import ServiceCenter

    if user.is_superuser or user.has_perm("staffing.change_staffmember"):
        return None
    return set(restrict(ServiceCenter.objects.all(), user, "change").values_list("pk", flat=True))


def phone_for(user_visible: set[int] | None, center_id: int, phone: str) -> str:
    if user_visible is None or center_id in user_visible:
        return phone
    return mask_phone(phone)


def may_see_contracts(user, center) -> bool:
    visible = phone_visible_center_ids(user)
    return visible is None or center.pk in visible


# ---- trainings ------------------------------------------------------------------------------------


def trainings_in_year(center, year: int) -> QuerySet[Training]:
    return (
        Training.objects.filter(center=center, held_on__year=year)
        .annotate(attendee_count=Count("attendees"))
        .order_by("-held_on", "title")
    )


def trainings_count(center, year: int) -> int:
    """How many trainings the center's staff attended in ``year`` (for the evaluation)."""
    return Training.objects.filter(center=center, held_on__year=year).count()


def training_hours(center, year: int) -> Decimal:
    """Total hours of the trainings attended in ``year`` (each training counted once)."""
    total = Training.objects.filter(center=center, held_on__year=year).aggregate(s=Sum("hours"))["s"]
    return total or Decimal("0")


def training_person_hours(center, year: int) -> Decimal:
    """Hours × attendees in ``year``: how much training the staff received in all."""
    rows = Training.objects.filter(center=center, held_on__year=year).annotate(n=Count("attendees"))
    return sum((t.hours * t.n for t in rows), Decimal("0"))


# ---- a roster snapshot for a filing --------------------------------------------------------------


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def roster_snapshot(center, on: date) -> dict:
    """The roster as of ``on`` in JSON-serialisable form, frozen by the evaluations app into a filing.

    Phones are masked (a filing is read by reviewers and auditors); trainings are those of ``on``'s year.
    """
    year = on.year
    members = list(
        roster_on(center, on).prefetch_related(
            Prefetch(
                "trainings",
                queryset=Training.objects.filter(held_on__year=year).order_by("held_on", "pk"),
                to_attr="year_trainings",
            )
        )
    )
    trainings = list(trainings_in_year(center, year))
    wage = minimum_wage_for(on)
    figures = _figures_for(center, members, on, wage)
    return {
        "center": {"id": center.pk, "name": center.name, "level": center.level},
        "on": on.isoformat(),
        "counts": {
            "full_time": figures.full_time,
            "part_time": figures.part_time,
            "labor": figures.labor,
            "rehired": figures.rehired,
            "volunteers": figures.volunteers,
            "total": len(members),
        },
        "monthly_pay_total": _money(figures.monthly_pay_total),
        "minimum_wage": (
            {"amount": _money(wage.monthly_amount), "effective_from": wage.effective_from.isoformat()}
            if wage
            else None
        ),
        "findings": [f.as_dict() for f in figures.findings],
        "people": [
            {
                "id": m.pk,
                "name": m.name,
                "gender": m.gender,
                "gender_label": m.get_gender_display() if m.gender else "",
                "kind": m.kind,
                "kind_label": str(m.get_kind_display()),
                "is_rehired": m.is_rehired,
                "position": m.position,
                "position_label": str(m.get_position_display()),
                "is_legal_representative": m.is_legal_representative,
                "start_date": m.start_date.isoformat(),
                "end_date": m.end_date.isoformat() if m.end_date else None,
                "post_grade": m.post_grade,
                "monthly_pay": _money(m.monthly_pay),
                "transport_subsidy": _money(m.transport_subsidy),
                "meal_subsidy": _money(m.meal_subsidy),
                "social_worker_level": m.social_worker_level,
                "social_worker_level_label": str(m.get_social_worker_level_display())
                if m.social_worker_level
                else "",
                "other_certificates": m.other_certificates,
                "mobile_phone": mask_phone(m.mobile_phone),
                "has_contract": bool(m.contract),
                "trainings": [
                    {
                        "title": t.title,
                        "organizer": t.organizer,
                        "held_on": t.held_on.isoformat(),
                        "hours": f"{t.hours:.1f}",
                    }
                    for t in m.year_trainings
                ],
            }
            for m in members
        ],
        "trainings": [
            {
                "title": t.title,
                "organizer": t.organizer,
                "held_on": t.held_on.isoformat(),
                "hours": f"{t.hours:.1f}",
                "attendees": t.attendee_count,
            }
            for t in trainings
        ],
        "trainings_count": len(trainings),
        "training_hours": f"{sum((t.hours for t in trainings), Decimal('0')):.1f}",
    }


# ---- the talent pool ------------------------------------------------------------------------------


def talent_queryset(user) -> QuerySet[TalentProfile]:
    """The talent pool ``user`` may read (filtered by staffing.filtersets.TalentProfileFilterSet)."""
    return restrict(TalentProfile.objects.all(), user).order_by("name", "pk")


def talent_keeper_for(user):
    """The district center whose talent pool ``user`` may add to (bureau, district center), or None."""
    from centers.choices import CenterLevel
    from centers.models import ServiceCenter

    return (
        restrict(ServiceCenter.objects.filter(level=CenterLevel.DISTRICT), user, "change")
        .order_by("pk")
        .first()
    )


# ---- pages ----------------------------------------------------------------------------------------


def organization_counts(centers: list, on: date) -> dict[int, int | None]:
    """N per center from the centers app (one query for all when its bulk helper exists)."""
    try:
        from centers.rules import organization_counts as bulk
    except ImportError:
        bulk = None
    if bulk is not None:
        return bulk(centers, on)
    try:
        from centers.selectors import social_organization_count
    except ImportError:
        return {c.pk: None for c in centers}
    return {c.pk: social_organization_count(c, on) for c in centers}


def center_staffing_summary(center, on: date) -> dict:
    """The roster page's header: counts on ``on``, N, required full-time, and the pay findings."""
    from core.selectors import policy_values

    figures = staffing_figures([center], on).get(center.pk)
    n = organization_counts([center], on).get(center.pk)
    required = required_full_time(center, n, policy=policy_values())
    return {
        "figures": figures,
        "n": n,
        "required": required,
        "short": (required - figures.full_time)
        if figures and required is not None and figures.full_time < required
        else 0,
    }


def district_centers(user):
    """The centers of the district staffing table, in its order."""
    from centers.models import ServiceCenter

    return restrict(ServiceCenter.objects.select_related("street_town"), user).order_by(
        "level", "street_town__sort_order", "name", "pk"
    )


def organization_counts_on(centers: list, on: date) -> tuple[dict[int, int | None], str]:
    """N of each center on ``on``, and what the page says about when it was counted.

    For today, N is the stored compliance verdicts' (R-STAFF-1/2/3 record the N they judged,
    ``centers.compliance_table``: one query, refreshed after every change of an organisation and
    nightly): counting 100,000 organisations for every view of the district table took 33 ms.
    Another day, or a center whose row is missing or waiting for its refresh, is counted."""
    from django.utils import timezone

    from centers.compliance_table import digests_for, stored_note

    if on != timezone.localdate():
        return organization_counts(centers, on), ""
    verdicts = digests_for(centers, on.year, live=False)
    counts: dict[int, int | None] = {
        center_id: digest.staff_figures["n"]
        for center_id, digest in verdicts.items()
        if "n" in digest.staff_figures
    }
    uncounted = [c for c in centers if c.pk not in counts]
    if uncounted:
        counts |= organization_counts(uncounted, on)
    oldest = min((d.computed_at for d in verdicts.values()), default=None)
    return counts, stored_note(oldest, len(uncounted), what="社会组织数", done="统计", judged="统计")


def district_staffing_rows(
    user, on: date, centers: list | None = None, counts: dict[int, int | None] | None = None
) -> list[dict]:
    """The bureau's district staffing table: each center's N, required, counts and pay findings, from
    grouped counts and sums (staffing_figures). ``centers``: only these (a page of the table);
    ``counts``: their N when already read (``organization_counts_on``)."""
    from core.selectors import policy_values

    centers = list(district_centers(user)) if centers is None else list(centers)
    figures = staffing_figures(centers, on)
    if counts is None:
        counts, _note = organization_counts_on(centers, on)
    policy = policy_values()
    rows = []
    for center in centers:
        n = counts.get(center.pk)
        required = required_full_time(center, n, policy=policy)
        f = figures.get(center.pk)
        pay = [r for r in f.findings if r.rule in PAY_RULES] if f else []
        rows.append(
            {
                "center": center,
                "n": n,
                "required": required,
                "figures": f,
                "short": f is not None and required is not None and f.full_time < required,
                "shortfall": (required - f.full_time) if f is not None and required is not None else 0,
                "pay_findings": pay,
                # what the table shows of them: the rules not met or without data
                "pay_problems": [r for r in pay if r.status in (RuleStatus.NOT_MET, RuleStatus.NO_DATA)],
            }
        )
    return rows


PAY_RULES = ("R-PAY-1", "R-PAY-2", "R-PAY-3", "R-PAY-4", "R-PAY-5")


def district_staffing_panel(user, year: int, *, listed: int = 5) -> dict:
    """The home page's staffing figures for the bureau: how many centers lack full-time staff, have no
    roster, break a pay rule, and the first ``listed`` short centers — read from the stored compliance
    verdicts of ``year`` (``centers.compliance_table``: R-STAFF-1/2/3's figures, the R-PAY-* statuses,
    judged on the year's reference day, today for the current year), so a login reads neither the
    rosters nor the organisations; a center changed since its last refresh is judged live.

    Counted inside the database (the rows' digests, ``CenterCompliance.statuses`` and
    ``staff_figures``), whatever the number of centers: the counts, the first short centers and the
    centers to judge live (usually none) in one statement on PostgreSQL, then the listed centers
    (``_stored_staffing_pg``); three ORM queries elsewhere (``_stored_staffing``)."""
    from django.db import connection

    from centers.compliance_table import digests_for, stored_note

    centers = district_centers(user)
    if connection.vendor == "postgresql":
        stored, short, unjudged = _stored_staffing_pg(centers, year, listed)
    else:
        stored, short, unjudged = _stored_staffing(centers, year, listed)
    counts = {"short": stored["short"], "no_roster": stored["no_roster"], "pay": stored["pay"]}
    judged = digests_for(unjudged, year)  # one live evaluation for all of them (constant queries)
    for center in unjudged:
        digest = judged[center.pk]
        staff = digest.staff_figures
        if "full_time" not in staff:  # judged without a roster
            counts["no_roster"] += 1
            continue
        required, full_time = staff.get("required"), staff["full_time"]
        if required is not None and full_time < required:
            counts["short"] += 1
            short.append({"center": center, "required": required, "full_time": full_time})
        counts["pay"] += any(digest.statuses.get(rule) == "not_met" for rule in PAY_RULES)
    if unjudged:
        short.sort(key=lambda r: _district_order(r["center"]))
    return {
        "total": stored["n"] + len(unjudged),
        "short_count": counts["short"],
        "short": short[:listed],
        "no_roster": counts["no_roster"],
        "pay": counts["pay"],
        "computed_note": stored_note(stored["oldest"], len(unjudged)),
    }


def _stored_staffing(centers, year: int, listed: int) -> tuple[dict, list, list]:
    """From the stored rows of ``year``: the counts, the first ``listed`` short centers, the centers
    without a fresh row (the ORM's way, for every database)."""
    from django.db.models import F, IntegerField, Min
    from django.db.models.fields.json import KT
    from django.db.models.functions import Cast

    from centers.models import CenterCompliance

    rows = CenterCompliance.objects.filter(center__in=centers.values("pk"), year=year, stale=False).annotate(
        full_time=Cast(KT("staff_figures__full_time"), IntegerField()),
        required=Cast(KT("staff_figures__required"), IntegerField()),
    )
    short_q = Q(full_time__lt=F("required"))
    pay_q = Q()
    for rule in PAY_RULES:
        pay_q |= Q(**{f"statuses__{rule}": "not_met"})
    stored = rows.aggregate(
        n=Count("pk"),
        short=Count("pk", filter=short_q),
        no_roster=Count("pk", filter=Q(full_time__isnull=True)),
        pay=Count("pk", filter=Q(full_time__isnull=False) & pay_q),
        oldest=Min("computed_at"),
    )
    short = [
        {"center": row.center, "required": row.required, "full_time": row.full_time}
        for row in rows.filter(short_q)
        .select_related("center__street_town")
        .defer("results", "statuses", "staff_figures")  # the verdicts themselves are not shown
        .order_by("center__level", "center__street_town__sort_order", "center__name", "center__pk")[:listed]
    ]
    return stored, short, list(centers.exclude(pk__in=rows.values("center_id")))


def _stored_staffing_pg(centers, year: int, listed: int) -> tuple[dict, list, list]:
    """``_stored_staffing`` on PostgreSQL in one statement (plus the listed centers themselves): the
    ORM spent twice as long building and compiling its three queries (aggregates of JSON casts) as
    PostgreSQL spent running them, on every view of the bureau's home page. ``staffing/tests/
    test_aggregates.py`` holds the two equal."""
    from django.core.exceptions import EmptyResultSet
    from django.db import connection

    from centers.models import CenterCompliance, ServiceCenter, StreetTown

    q = connection.ops.quote_name
    try:
        allowed, allowed_params = centers.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # a reader of no center (restrict(...).none()): nothing stored, nothing to judge
        return {"n": 0, "short": 0, "no_roster": 0, "pay": 0, "oldest": None}, [], []
    pay = " OR ".join(f"cc.{q('statuses')} ->> %s = 'not_met'" for _rule in PAY_RULES)
    sql = f"""
        WITH allowed (pk) AS ({allowed}),
        stored AS (
            SELECT cc.{q("center_id")} AS center_id, cc.{q("computed_at")} AS computed_at,
                   (cc.{q("staff_figures")} ->> 'full_time')::integer AS full_time,
                   (cc.{q("staff_figures")} ->> 'required')::integer AS required,
                   ({pay}) AS pay
              FROM {q(CenterCompliance._meta.db_table)} cc
             WHERE cc.{q("center_id")} IN (SELECT pk FROM allowed) AND cc.{q("year")} = %s
               AND NOT cc.{q("stale")})
        SELECT 0, COUNT(*), COUNT(*) FILTER (WHERE full_time < required),
               COUNT(*) FILTER (WHERE full_time IS NULL),
               COUNT(*) FILTER (WHERE full_time IS NOT NULL AND pay), MIN(computed_at), 0::bigint
          FROM stored
        UNION ALL
        (SELECT 1, stored.center_id, stored.required, stored.full_time, NULL, NULL,
                ROW_NUMBER() OVER (ORDER BY c.{q("level")}, s.{q("sort_order")}, c.{q("name")}, c.{q("id")})
           FROM stored
           JOIN {q(ServiceCenter._meta.db_table)} c ON c.{q("id")} = stored.center_id
           LEFT JOIN {q(StreetTown._meta.db_table)} s ON s.{q("id")} = c.{q("street_town_id")}
          WHERE stored.full_time < stored.required
          ORDER BY c.{q("level")}, s.{q("sort_order")}, c.{q("name")}, c.{q("id")}
          LIMIT %s)
        UNION ALL
        SELECT 2, allowed.pk, NULL, NULL, NULL, NULL, 0
          FROM allowed WHERE allowed.pk NOT IN (SELECT center_id FROM stored)"""  # noqa: S608 — names quoted, values bound
    with connection.cursor() as cursor:
        cursor.execute(sql, [*allowed_params, *PAY_RULES, year, listed])
        found = cursor.fetchall()
    stored, short_rows, unjudged_ids = {}, [], []
    for kind, a, b, c, d, at, position in found:
        if kind == 0:
            stored = {"n": a, "short": b, "no_roster": c, "pay": d, "oldest": at}
        elif kind == 1:
            short_rows.append((position, a, b, c))
        else:
            unjudged_ids.append(a)
    short_rows.sort()  # a UNION ALL promises no order of its rows: each short center says its place
    ids = [pk for _position, pk, _required, _full_time in short_rows] + unjudged_ids
    by_id = {center.pk: center for center in centers.filter(pk__in=ids)} if ids else {}
    short = [  # a center deleted since the statement is left out, as the ORM's next query would
        {"center": by_id[pk], "required": required, "full_time": full_time}
        for _position, pk, required, full_time in short_rows
        if pk in by_id
    ]
    unjudged = sorted((by_id[pk] for pk in unjudged_ids if pk in by_id), key=_district_order)
    return stored, short, unjudged


def _district_order(center) -> tuple:
    """``district_centers``' order (level, street/town, name), nulls last as PostgreSQL sorts them."""
    sort_order = center.street_town.sort_order if center.street_town_id else None
    return (center.level, sort_order is None, sort_order or 0, center.name, center.pk)


def member_history(member, limit: int = 30) -> list[dict]:
    """Changes to one roster row, newest first, each with the fields that changed."""
    records = list(
        member.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    out = []
    for newer, older in zip(records, records[1:] + [None], strict=False):
        if len(out) == limit:
            break
        changes = []
        if older is not None:
            delta = newer.diff_against(older, excluded_fields=["version", "updated_at", "created_at"])
            for change in delta.changes:
                label = StaffMember._meta.get_field(change.field).verbose_name
                changes.append({"field": str(label), "old": change.old, "new": change.new})
        out.append({"record": newer, "changes": changes})
    return out


def can_change_center(user, center) -> bool:
    from core.permissions import can

    return can(user, "change", center)
