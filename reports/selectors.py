"""Reads: the documents a user may see, narrowed by ``core.permissions.restrict``."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from core.permissions import restrict

from .models import ReportDocument


def documents_for(
    user, *, kind: str = "", query: str = "", cycle_id=None, include_superseded=False
) -> QuerySet:
    qs = restrict(ReportDocument.objects.select_related("center", "superseded_by"), user, "view")
    if kind:
        qs = qs.filter(kind=kind)
    if cycle_id and _has_field("cycle"):
        qs = qs.filter(cycle_id=cycle_id)
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(center__name__icontains=query))
    if not include_superseded:
        qs = qs.filter(superseded_at__isnull=True)
    return qs.order_by("-generated_at", "kind", "title", "-revision")


def document_revisions(document: ReportDocument, user) -> QuerySet:
    return restrict(ReportDocument.objects.filter(subject_key=document.subject_key), user, "view").order_by(
        "-revision"
    )


def _has_field(name: str) -> bool:
    return any(f.name == name for f in ReportDocument._meta.fields)


def cycles_with_documents():
    """Published cycles (for the bureau's ZIP and re-render buttons)."""
    if not _has_field("cycle"):
        return []
    from evaluations.choices import RESULTS_OUT_STATES
    from evaluations.models import Cycle

    return Cycle.objects.filter(state__in=RESULTS_OUT_STATES).order_by("-year")


def draw_record_cycles(user) -> QuerySet:
    """The drawn cycles whose draw record (抽检记录) ``user`` may print: all of them for the bureau, for
    an auditor those in which they hold an assignment, none for anyone else."""
    from evaluations.models import Cycle

    cycles = restrict(Cycle.objects.filter(draw__isnull=False), user, "view")
    if user.has_perm("evaluations.change_cycle"):  # the bureau's model-wide grant
        return cycles
    return cycles.filter(assignments__auditor=user).distinct()


def draw_record_cycle(user, cycle_pk):
    return draw_record_cycles(user).filter(pk=cycle_pk).first()
