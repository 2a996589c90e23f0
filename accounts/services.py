"""Accounts: role groups and per-object grants (django-guardian).

Grants are the only source of access; ``core.permissions.restrict`` reads them. Each grant function
sets the user's role group and affiliation in the same transaction.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from core.audit import log_action

from .models import User
from .roles import BUREAU_APPS, BUREAU_EXCLUDED_PERMISSIONS, Role

# Object permissions each role holds on a service center it is granted.
CENTER_PERMISSIONS = {
    Role.DIRECTOR: ("centers.view_servicecenter", "centers.change_servicecenter"),
    Role.SUPERVISOR: ("centers.view_servicecenter", "centers.review_servicecenter"),
    Role.AUDITOR: ("centers.view_servicecenter",),
}


def sync_role_groups(**kwargs):
    """post_migrate: make sure the five role groups exist; the bureau holds model-wide permissions."""
    using = kwargs.get("using", "default")
    for role in Role:
        Group.objects.using(using).get_or_create(name=role.value)
    bureau = Group.objects.using(using).get(name=Role.BUREAU)
    perms = (
        Permission.objects.using(using)
        .filter(content_type__app_label__in=BUREAU_APPS)
        .select_related("content_type")
    )
    wanted = [
        p for p in perms if f"{p.content_type.app_label}.{p.codename}" not in BUREAU_EXCLUDED_PERMISSIONS
    ]
    bureau.permissions.add(*wanted)


def user_set_role(user: User, role: str) -> None:
    role_groups = Group.objects.filter(name__in=[r.value for r in Role])
    user.groups.remove(*role_groups)
    user.groups.add(Group.objects.get(name=role))
    user.__dict__.pop("role", None)


@transaction.atomic
def grant_center(*, user: User, center, role: str, actor=None) -> None:
    """Give ``user`` the object permissions that ``role`` holds on ``center``."""
    user_set_role(user, role)
    for perm in CENTER_PERMISSIONS[role]:
        assign_perm(perm, user, center)
    if role == Role.DIRECTOR and user.center_id != center.pk:
        user.center = center
        user.save(update_fields=["center"])
    log_action("accounts.grant.center", actor=actor, obj=center, data={"user": user.username, "role": role})


@transaction.atomic
def revoke_center(*, user: User, center, actor=None) -> None:
    for perms in CENTER_PERMISSIONS.values():
        for perm in perms:
            remove_perm(perm, user, center)
    log_action("accounts.revoke.center", actor=actor, obj=center, data={"user": user.username})


@transaction.atomic
def grant_supervising_unit(*, user: User, unit, actor=None) -> None:
    """A supervising-unit user reads (and first-reviews) every center of their unit."""
    user_set_role(user, Role.SUPERVISOR)
    user.supervising_unit = unit
    user.save(update_fields=["supervising_unit"])
    for center in unit.centers.all():
        for perm in CENTER_PERMISSIONS[Role.SUPERVISOR]:
            assign_perm(perm, user, center)
    log_action("accounts.grant.supervising_unit", actor=actor, obj=unit, data={"user": user.username})


def grant_unit_users_on_center(center) -> None:
    """When a center is created or moves to a unit, that unit's users gain their grants on it."""
    if center.supervising_unit_id is None:
        return
    for user in User.objects.filter(supervising_unit_id=center.supervising_unit_id):
        for perm in CENTER_PERMISSIONS[Role.SUPERVISOR]:
            assign_perm(perm, user, center)


def make_bureau_staff(user: User) -> None:
    user_set_role(user, Role.BUREAU)
    if not user.is_staff:
        user.is_staff = True  # the bureau edits reference data and policy parameters in the admin
        user.save(update_fields=["is_staff"])
