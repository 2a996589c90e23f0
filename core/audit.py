"""Audit entries: every action on filed data, scores and results is recorded (who, when, what)."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEntry


def log_action(
    action: str, *, actor=None, obj: models.Model | None = None, data: dict[str, Any] | None = None
):
    """Record ``action`` (dotted name, e.g. ``evaluations.filing.submitted``) on ``obj`` by ``actor``."""
    entry = AuditEntry(action=action, data=data or {})
    if actor is not None and getattr(actor, "is_authenticated", False):
        entry.actor = actor
    if obj is not None:
        entry.content_type = ContentType.objects.get_for_model(type(obj))
        entry.object_id = str(obj.pk)
        entry.object_repr = str(obj)[:300]
    entry.save()
    return entry


def entries_for(obj: models.Model):
    ct = ContentType.objects.get_for_model(type(obj))
    return AuditEntry.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("actor")
