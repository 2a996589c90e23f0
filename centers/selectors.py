"""Reads of the centers app: lists for the pages and API, the register snapshot frozen into filings,
N (social organizations in a center's area), the history of a center's registers."""

from __future__ import annotations

import functools
import time
from datetime import date
from itertools import islice

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from core.permissions import restrict

from .choices import CenterStatus, IncomeSource
from .compliance_table import compliance_for
from .models import (
    AnnualPlan,
    ArchiveInventory,
    BankAccount,
    BoardMember,
    District,
    GovernanceRule,
    HandOver,
    IncomeLine,
    Meeting,
    PurchaseContract,
    RatingRecord,
    SealCustodian,
    ServiceCenter,
    SocialOrganization,
    Supervisor,
    Venue,
)
from .rules import evaluate_center, evaluate_district, organization_counts, year_end

# Register models of a center, in the order the center page shows them (also for the history).
REGISTER_MODELS = (
    Venue,
    BankAccount,
    PurchaseContract,
    IncomeLine,
    BoardMember,
    Supervisor,
    GovernanceRule,
    Meeting,
    SealCustodian,
    HandOver,
    ArchiveInventory,
    AnnualPlan,
    RatingRecord,
)


# ---- the district ----------------------------------------------------------------------------------
# One district per installation (see centers.checks). Every page, PDF, e-mail and validator reads it
# through current_district(), which keeps it per process: saving or deleting a District or StreetTown
# clears it (centers.apps connects the signals), each Celery task starts afresh (task_prerun), and
# another process sees an admin edit within DISTRICT_CACHE_SECONDS.
DISTRICT_CACHE_SECONDS = 60
_district_cache: dict = {}


def current_district() -> District:
    """The district this installation serves, with ``street_town_count`` for its "1+N+X" label."""
    cached = _district_cache.get("entry")
    if cached is not None and cached[1] > time.monotonic():
        return cached[0]
    districts = list(District.objects.annotate(street_town_count=Count("street_towns")).order_by("pk")[:2])
    if not districts:
        raise ImproperlyConfigured(
            "数据库中还没有区的数据：请运行 python manage.py migrate（载入 DISTRICT_FILE 指定的区数据文件）"
            "或 python manage.py load_district 文件。"
        )
    if len(districts) > 1:
        raise ImproperlyConfigured(many_districts_message())
    _district_cache["entry"] = (districts[0], time.monotonic() + DISTRICT_CACHE_SECONDS)
    return districts[0]


def known_district() -> District | None:
    """The district this process last read, however old, without a query (None if never read):
    for pages drawn while the database may be away (the 503 page)."""
    cached = _district_cache.get("entry")
    return cached[0] if cached is not None else None


def clear_district_cache(**kwargs) -> None:
    _district_cache.clear()


def many_districts_message() -> str:
    names = "、".join(f"{d.name}（{d.code}）" for d in District.objects.order_by("code"))
    return (
        f"数据库中有多个区：{names}。本门户一套只服务一个区，请为每个区使用各自的数据库"
        "（DATABASE_URL 与 DISTRICT_FILE），并删除多余的区。"
    )


def sender_address() -> str:
    """The e-mails' sender: ``DEFAULT_FROM_EMAIL``, named after the district's portal unless it names itself."""
    from email.utils import parseaddr

    from django.conf import settings

    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if name:
        return settings.DEFAULT_FROM_EMAIL
    return f"{current_district().portal_name} <{address or settings.DEFAULT_FROM_EMAIL}>"


def center_queryset() -> QuerySet[ServiceCenter]:
    return ServiceCenter.objects.select_related("district", "street_town", "supervising_unit")


def centers_for(user, action: str = "view") -> QuerySet[ServiceCenter]:
    return restrict(center_queryset(), user, action)


def centers_with_change_right(user) -> QuerySet[ServiceCenter]:
    """The centers ``user`` may see, each with ``reader_may_change``: whether they may change it (the
    rule of ``restrict(..., "change")``, as ``core.permissions.can`` asks it, inside the same query)."""
    changeable = centers_for(user, "change").filter(pk=OuterRef("pk"))
    return centers_for(user, "view").annotate(reader_may_change=Exists(changeable))


def social_organization_count(center: ServiceCenter, on: date) -> int:
    """N: social organizations active in the center's area on ``on`` (see centers.rules)."""
    return organization_counts([center], on)[center.pk]


def organizations_for(user) -> QuerySet[SocialOrganization]:
    """The organization list: the user's visible organizations with their latest rating (one query)."""
    latest = RatingRecord.objects.filter(organization=OuterRef("pk")).order_by("-rated_on", "-pk")
    return (
        restrict(SocialOrganization.objects.all(), user, "view")
        .select_related("street_town", "district")
        .annotate(
            rating_grade=Subquery(latest.values("grade")[:1]),
            rated_on=Subquery(latest.values("rated_on")[:1]),
        )
    )


def overview_rows(centers: list[ServiceCenter], year: int, rules=None) -> list[dict]:
    """One row per center with its compliance (for the district overview and the center list): the
    stored verdicts in one query (``centers.compliance_table``), only changed centers judged live;
    ``rules``: only these rules' results (the counts are of every rule)."""
    verdicts = compliance_for(centers, year, rules=rules)
    rows = []
    for center in centers:
        v = verdicts[center.pk]
        by_rule = {r.rule: r for r in v.results}
        rows.append(
            {
                "center": center,
                "results": v.results,
                "by_rule": by_rule,
                "counts": v.counts,
                "computed_at": v.computed_at,
                "verdicts": v,
            }
        )
    return rows


def district_coverage(district, year: int):
    return evaluate_district(district, year)


def district_compliance(district: District, year: int) -> dict:
    """The district's compliance for ``year`` (API ``districts/{id}/compliance/``): R-COVER-1, the
    district's figures (centers operating by level, organizations active on 31 December, party
    coverage of the whole district) and each operating center's verdict counts. Constant queries."""
    from .choices import CenterLevel
    from .rules import party_coverage

    cover = evaluate_district(district, year)
    end = year_end(year)
    centers = list(
        center_queryset()
        .filter(district=district, status=CenterStatus.OPERATING)
        .order_by("level", "street_town__sort_order", "name", "pk")
    )
    results = {pk: v.results for pk, v in compliance_for(centers, year).items()}  # the stored table
    whole = ServiceCenter(pk=0, district=district, level=CenterLevel.DISTRICT)
    coverage = party_coverage([whole], end)[0]
    by_level = {level.value: 0 for level in CenterLevel}
    for center in centers:
        by_level[center.level] += 1
    rows = []
    for center in centers:
        counts = {"met": 0, "not_met": 0, "not_applicable": 0, "no_data": 0}
        for result in results[center.pk]:
            counts[result.status] += 1
        rows.append(
            {
                "id": center.pk,
                "name": center.name,
                "level": center.level,
                "level_label": str(center.get_level_display()),
                "counts": counts,
                "not_met": [r.rule for r in results[center.pk] if r.status == "not_met"],
            }
        )
    return {
        "district": {"id": district.pk, "code": district.code, "name": district.name},
        "year": year,
        "reference_day": end.isoformat(),
        "rules": [cover.as_dict()],
        "figures": {
            "street_towns": cover.figures.get("street_towns", 0),
            "street_towns_covered": cover.figures.get("covered", 0),
            "street_towns_missing": cover.figures.get("missing", []),
            "centers_operating": by_level,
            "organizations": coverage.n,
            "party_coverage": coverage.as_dict(),
        },
        "centers": rows,
    }


def _date(value):
    return value.isoformat() if value else None


def _file(field) -> str | None:
    return field.name or None


def center_register_snapshot(center: ServiceCenter, year: int) -> dict:
    """The center's registers for ``year`` as a JSON-serialisable dict (frozen into a filing)."""
    end = year_end(year)
    venue = Venue.objects.filter(center=center, year__lte=year).order_by("-year").first()
    accounts = BankAccount.objects.filter(center=center).filter(
        Q(opened_on__isnull=True) | Q(opened_on__lte=end)
    )
    income = (
        IncomeLine.objects.filter(center=center, year=year)
        .select_related("contract")
        .order_by("source", "pk")
    )
    contracts = PurchaseContract.objects.filter(
        center=center, starts_on__lte=end, ends_on__gte=date(year, 1, 1)
    ).order_by("starts_on", "pk")
    board = BoardMember.objects.filter(center=center).order_by("role", "name", "pk")
    supervisors = Supervisor.objects.filter(center=center).order_by("role", "name", "pk")
    rules = GovernanceRule.objects.filter(center=center, adopted_on__lte=end).order_by(
        "kind", "adopted_on", "pk"
    )
    meetings = Meeting.objects.filter(center=center, held_on__year=year).order_by("held_on", "pk")
    custodians = SealCustodian.objects.filter(center=center, since__lte=end).order_by("since", "pk")
    hand_overs = HandOver.objects.filter(center=center, handed_on__year=year).order_by("handed_on", "pk")
    inventory = ArchiveInventory.objects.filter(center=center, year=year).first()
    plans = AnnualPlan.objects.filter(center=center, year=year).order_by("kind")
    ratings = RatingRecord.objects.filter(center=center, rated_on__lte=end).order_by("-rated_on", "pk")
    center = center_queryset().get(pk=center.pk)
    return {
        "year": year,
        "profile": {
            "id": center.pk,
            "name": center.name,
            "level": center.level,
            "level_label": center.get_level_display(),
            "status": center.status,
            "status_label": center.get_status_display(),
            "credit_code": center.credit_code,
            "registered_on": _date(center.registered_on),
            "established_on": _date(center.established_on),
            "legal_representative": center.legal_representative,
            "director_name": center.director_name,
            "director_under_board": center.director_under_board,
            "supervising_unit": str(center.supervising_unit),
            "street_town": str(center.street_town) if center.street_town_id else None,
            "industry": center.industry,
            "address": center.address,
            "phone": center.phone,
            "email": center.email,
            "party_organization": center.party_organization,
        },
        "social_organization_count": social_organization_count(center, end),
        "venue": None
        if venue is None
        else {
            "year": venue.year,
            "address": venue.address,
            "area": str(venue.area),
            "is_independent": venue.is_independent,
            "has_computers": venue.has_computers,
            "has_network": venue.has_network,
            "has_office_equipment": venue.has_office_equipment,
            "has_incubation_park": venue.has_incubation_park,
            "has_practice_park": venue.has_practice_park,
            "has_community_life_center": venue.has_community_life_center,
            "note": venue.note,
        },
        "funding": {
            "bank_accounts": [
                {
                    "bank_name": a.bank_name,
                    "account_number_masked": a.masked_number,
                    "is_independent": a.is_independent,
                    "npo_accounting": a.npo_accounting,
                    "opened_on": _date(a.opened_on),
                    "closed_on": _date(a.closed_on),
                }
                for a in accounts
            ],
            "income_lines": [
                {
                    "source": line.source,
                    "source_label": str(IncomeSource(line.source).label),
                    "amount": str(line.amount),
                    "contract": line.contract.title if line.contract_id else None,
                    "note": line.note,
                }
                for line in income
            ],
            "contracts": [
                {
                    "purchaser": c.purchaser,
                    "title": c.title,
                    "amount": str(c.amount),
                    "starts_on": _date(c.starts_on),
                    "ends_on": _date(c.ends_on),
                    "document": _file(c.document),
                }
                for c in contracts
            ],
        },
        "governance": {
            "board_members": [
                {
                    "name": m.name,
                    "role": m.get_role_display(),
                    "term_start": _date(m.term_start),
                    "term_end": _date(m.term_end),
                }
                for m in board
            ],
            "supervisors": [
                {
                    "name": m.name,
                    "role": m.get_role_display(),
                    "term_start": _date(m.term_start),
                    "term_end": _date(m.term_end),
                }
                for m in supervisors
            ],
            "rules": [
                {
                    "kind": r.kind,
                    "kind_label": r.get_kind_display(),
                    "title": r.title,
                    "adopted_on": _date(r.adopted_on),
                    "document": _file(r.document),
                }
                for r in rules
            ],
            "meetings": [
                {
                    "body": m.body,
                    "body_label": m.get_body_display(),
                    "held_on": _date(m.held_on),
                    "topic": m.topic,
                }
                for m in meetings
            ],
        },
        "archives": {
            "seal_custodians": [
                {"name": c.name, "since": _date(c.since), "until": _date(c.until)} for c in custodians
            ],
            "hand_overs": [
                {
                    "handed_on": _date(h.handed_on),
                    "from_person": h.from_person,
                    "to_person": h.to_person,
                    "items": h.items,
                }
                for h in hand_overs
            ],
            "inventory": None
            if inventory is None
            else {"volumes": inventory.volumes, "is_complete": inventory.is_complete, "note": inventory.note},
        },
        "plans": [{"kind": p.kind, "kind_label": p.get_kind_display(), "title": p.title} for p in plans],
        "ratings": [
            {
                "grade": r.get_grade_display(),
                "rated_on": _date(r.rated_on),
                "valid_until": _date(r.valid_until),
                "certificate": _file(r.certificate),
            }
            for r in ratings
        ],
        "compliance": [r.as_dict() for r in evaluate_center(center, year)],
    }


HISTORY_TYPES = {"+": "新增", "~": "修改", "-": "删除"}


def _field_label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - a field since removed
        return name


def _history_value(model, name: str, value) -> str:
    """A changed field's value as the page shows it: a choice by its label, 是/否, “空” (core.vocabulary)."""
    from core.vocabulary import value_text

    if value is None or value == "":
        return "空"
    try:
        field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - a field removed since: its value as it is
        field = None
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return value_text(value)


def center_history(center: ServiceCenter, limit: int = 50) -> list[dict]:
    """Recent changes to the center and its registers (django-simple-history), newest first: who,
    when, what, and each changed field's before and after.

    One query per register model (a constant number), never one per row; a change whose previous
    version is older than the window shows without its "before".
    """
    sources = [(ServiceCenter, ServiceCenter.history.filter(id=center.pk))]
    sources += [(model, model.history.filter(center_id=center.pk)) for model in REGISTER_MODELS]
    entries = []
    for model, qs in sources:
        records = list(
            qs.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 20]
        )
        by_object: dict = {}
        for record in reversed(records):  # oldest first, to pair each with its predecessor
            prev = by_object.get(record.id)
            changes = []
            if prev is not None and record.history_type == "~":
                delta = record.diff_against(prev, foreign_keys_are_objs=False)
                changes = [
                    {
                        "field": _field_label(model, c.field),
                        "old": _history_value(model, c.field, c.old),
                        "new": _history_value(model, c.field, c.new),
                    }
                    for c in delta.changes
                ]
            by_object[record.id] = record
            entries.append(
                {
                    "model_label": str(model._meta.verbose_name),
                    "object": str(record.instance) if record.history_type != "-" else f"#{record.id}",
                    "type": HISTORY_TYPES.get(record.history_type, record.history_type),
                    "user": record.history_user.display_name if record.history_user else "系统",
                    "date": record.history_date,
                    "changes": changes,
                }
            )
    entries.sort(key=lambda e: e["date"], reverse=True)
    return list(islice(entries, limit))


def active_status_choices():
    return [(CenterStatus.OPERATING, CenterStatus.OPERATING.label)]


# register → (model, order, the date that picks the year's rows): the tables of the center page
PAGE_REGISTERS = {
    "venues": (Venue, ("-year",), None),
    "bank_accounts": (BankAccount, (), None),
    "contracts": (PurchaseContract, (), None),
    "income_lines": (IncomeLine, (), None),
    "board_members": (BoardMember, (), None),
    "supervisors": (Supervisor, (), None),
    "governance_rules": (GovernanceRule, (), None),
    "meetings": (Meeting, (), "held_on"),
    "seal_custodians": (SealCustodian, (), None),
    "hand_overs": (HandOver, (), "handed_on"),
    "archive_inventories": (ArchiveInventory, (), None),
    "plans": (AnnualPlan, (), None),
    "ratings": (RatingRecord, (), None),
}


def center_registers(center: ServiceCenter, year: int) -> dict[str, list]:
    """Every register of the center for its page (one query per register): every row, but for the
    meetings and hand-overs, which are the year's. The page's live compliance judges these same rows
    (``evaluate_center(..., rows=...)``), so each table is read once.

    Each query's SQL is the ORM's, compiled once per process and database (``_register_sql``): building
    and compiling the thirteen querysets cost more than running them (0.23 of 0.51 ms each). Every row
    gets its center, and each income line its contract from the contracts read here: no query per row."""
    from django.db import connection

    registers = {}
    for name, (model, _order, dated) in PAGE_REGISTERS.items():
        params = [center.pk] + ([date(year, 1, 1), date(year, 12, 31)] if dated else [])
        rows = list(model.objects.raw(_register_sql(connection.alias, name), params))
        for row in rows:
            row.center = center  # a row's name (__str__) says its center
        registers[name] = rows
    contracts = {contract.pk: contract for contract in registers["contracts"]}
    for line in registers["income_lines"]:
        if line.contract_id in contracts:
            line.contract = contracts[line.contract_id]
    return registers


@functools.cache
def _register_sql(alias: str, name: str) -> str:
    """The SQL of one register's rows of a center (parameter: the center's id; then the first and
    last day of the year for a dated register), as the ORM writes it for this database."""
    model, order, dated = PAGE_REGISTERS[name]
    queryset = model.objects.using(alias).filter(center_id=0)
    if dated:
        queryset = queryset.filter(**{f"{dated}__gte": date.min, f"{dated}__lte": date.max})
    if order:
        queryset = queryset.order_by(*order)
    sql, params = queryset.query.get_compiler(using=alias).as_sql()
    if len(params) != (3 if dated else 1):  # the parameters center_registers passes, in that order
        raise ImproperlyConfigured(f"{name}: unexpected parameters {params!r}")
    return sql
