"""Who may read which report (through ``core.permissions.restrict``).

- the bureau (model-wide ``reports.view_reportdocument``) and superusers: every report;
- a center report or filing sheet follows its subject: whoever may see the center's filing of that
  cycle under the evaluations app's own rule (a director their center's, a supervising unit its
  centers', an auditor the centers assigned to them in that cycle);
- the district summary: the bureau only.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models import QuerySet

from core.permissions import restrict

from .choices import ReportKind


def filing_model():
    try:
        return apps.get_model("evaluations", "Filing")
    except LookupError:
        return None


def restrict_documents(queryset: QuerySet, user, action: str) -> QuerySet:
    if user.has_perm(f"reports.{action}_reportdocument"):
        return queryset  # the bureau's model-wide grant
    if action != "view":
        return queryset.none()
    per_center = queryset.filter(kind__in=[ReportKind.CENTER_REPORT, ReportKind.FILING_SHEET])
    Filing = filing_model()
    if Filing is not None and any(f.name == "filing" for f in queryset.model._meta.fields):
        visible = restrict(Filing._default_manager.all(), user, "view")
        return per_center.filter(filing__in=visible.values("pk"))
    from centers.models import ServiceCenter

    visible = restrict(ServiceCenter.objects.all(), user, "view")
    return per_center.filter(center__in=visible.values("pk"))
