"""One helper narrows any queryset to what a user may see or change.

Access follows who a user is, read at the time of the request:

- bureau staff hold model-wide permissions through their role group;
- a director (or center staff) reaches the one center of ``user.center`` (view, change);
- a supervising-unit user reaches every center whose ``supervising_unit`` is theirs *now* (view,
  review): a center moved to another unit leaves the old unit's people in the same request;
- an auditor reaches only what is granted one by one: the django-guardian object grants on the
  filings assigned to them (the only object grants that give business access);
- an inactive user reaches nothing.

The center rule is ``affiliated_centers`` below (models opt in with ``access_by_affiliation = True``).
Models that hang off an access-bearing object declare the path
to it (``permission_parent = "center"``) and are narrowed through it; a model with a mixed rule
defines ``restrict_queryset(cls, queryset, user, action)`` (a classmethod) and may call
``restrict`` for its parts. A miss is a 404 at the view,
never a 403 that would confirm the object exists.
"""

from __future__ import annotations

from django.db import models
from guardian.shortcuts import get_objects_for_user

from accounts.roles import Role

# Actions each role holds on the center it is affiliated with (see ``affiliated_centers``).
AFFILIATION_ACTIONS = {
    Role.DIRECTOR: ("view", "change"),
    Role.SUPERVISOR: ("view", "review"),
}

ACTIONS_BY_METHOD = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "change",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "change",
}


def _path_fields(model: type[models.Model], path: str) -> list[models.Field]:
    """The relation fields a lookup path (``"filing__center"``) follows, from ``model`` on."""
    fields = []
    for part in path.split("__"):
        fields.append(model._meta.get_field(part))
        model = fields[-1].related_model
    return fields


def _model_at_path(model: type[models.Model], path: str) -> type[models.Model]:
    return _path_fields(model, path)[-1].related_model


def permission_codename(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def restrict(queryset: models.QuerySet, user, action: str = "view") -> models.QuerySet:
    """Return ``queryset`` narrowed to the rows ``user`` may ``action`` (view, change, review, …)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    model = queryset.model
    custom = getattr(model, "restrict_queryset", None)
    if custom is not None:
        # A model whose access is not simply "its own grants" or "its parent's" (e.g. a filing: the
        # center's people through the center, an auditor through a grant on the filing itself).
        return custom(queryset, user, action)
    if getattr(model, "access_by_affiliation", False):
        return affiliated_centers(queryset, user, action)
    parent_path = getattr(model, "permission_parent", None)
    if parent_path:
        parent_model = _model_at_path(model, parent_path)
        allowed = restrict(parent_model._default_manager.all(), user, action)
        if sees_every_row(allowed):
            return every_row_with(queryset, parent_path)
        return queryset.filter(**{f"{parent_path}__in": allowed.values("pk")})
    return get_objects_for_user(
        user,
        permission_codename(model, action),
        klass=queryset,
        accept_global_perms=True,
        with_superuser=True,
    )


def sees_every_row(narrowed: models.QuerySet) -> bool:
    """True when ``restrict`` returned the model's whole table (no condition at all: the bureau's
    model-wide permission), so a child need not be filtered by ``IN (every parent)`` — a semi-join
    that PostgreSQL runs over the whole parent table (100,000 organisations for every rating)."""
    return not narrowed.query.where


def every_row_with(queryset: models.QuerySet, path: str) -> models.QuerySet:
    """``queryset`` filtered as ``path__in=<every row>`` would be, without the subquery: every row
    whose ``path`` leads somewhere (only a nullable step can lead nowhere)."""
    nullable = any(field.null for field in _path_fields(queryset.model, path))
    return queryset.filter(**{f"{path}__isnull": False}) if nullable else queryset


def affiliated_centers(queryset: models.QuerySet, user, action: str) -> models.QuerySet:
    """Service centers ``user`` may ``action`` by their affiliation (no copied grants).

    One query at most for the role (cached on the user) and one for the permission cache: the
    result is a filter on the center table itself, never a list of ids.
    """
    if user.has_perm(permission_codename(queryset.model, action)):
        return queryset  # the bureau's model-wide permission
    allowed = AFFILIATION_ACTIONS.get(user.role, ())
    if action not in allowed:
        return queryset.none()
    if user.role == Role.DIRECTOR and user.center_id:
        return queryset.filter(pk=user.center_id)
    if user.role == Role.SUPERVISOR and user.supervising_unit_id:
        return queryset.filter(supervising_unit_id=user.supervising_unit_id)
    return queryset.none()


def can(user, action: str, obj: models.Model) -> bool:
    """True when ``user`` may ``action`` this one object (same rule as ``restrict``)."""
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view") -> RestrictedQuerySet:
        return restrict(self, user, action)
