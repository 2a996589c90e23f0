"""One FilterSet for the account list, shared by the page, the export and the API."""

from datetime import timedelta

import django_filters
from django.db.models import Q
from django.utils import timezone

from centers.models import ServiceCenter, SupervisingUnit
from core.filtering import PortalFilterSet

from .models import User
from .roles import ASSIGNABLE_ROLE_CHOICES

LAST_LOGIN_CHOICES = [
    ("7", "7 天内登录过"),
    ("30", "30 天内登录过"),
    ("stale90", "超过 90 天未登录"),
    ("never", "从未登录"),
]
YES_NO = [("yes", "是"), ("no", "否")]


class UserFilterSet(PortalFilterSet):
    q = django_filters.CharFilter(label="用户名、姓名或单位", method="search")
    role = django_filters.ChoiceFilter(
        label="角色",
        choices=ASSIGNABLE_ROLE_CHOICES,
        method="by_role",
        empty_label="全部角色",
    )
    center = django_filters.ModelChoiceFilter(
        label="所属服务中心", queryset=ServiceCenter.objects.order_by("name"), empty_label="全部服务中心"
    )
    supervising_unit = django_filters.ModelChoiceFilter(
        label="所属业务主管单位",
        queryset=SupervisingUnit.objects.order_by("name"),
        empty_label="全部主管单位",
    )
    active = django_filters.ChoiceFilter(label="启用", choices=YES_NO, method="by_active", empty_label="全部")
    locked = django_filters.ChoiceFilter(
        label="已锁定", choices=YES_NO, method="by_locked", empty_label="全部"
    )
    last_login = django_filters.ChoiceFilter(
        label="最近登录", choices=LAST_LOGIN_CHOICES, method="by_last_login", empty_label="不限"
    )

    class Meta:
        model = User
        fields = ["q", "role", "center", "supervising_unit", "active", "locked", "last_login"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(username__icontains=value)
            | Q(full_name__icontains=value)
            | Q(organization_name__icontains=value)
        )

    def by_role(self, queryset, name, value):
        return queryset.filter(groups__name=value)

    def by_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "yes")

    def by_locked(self, queryset, name, value):
        return queryset.filter(is_locked=value == "yes")

    def by_last_login(self, queryset, name, value):
        now = timezone.now()
        if value == "never":
            return queryset.filter(last_login__isnull=True)
        if value == "stale90":
            return queryset.filter(last_login__lt=now - timedelta(days=90))
        return queryset.filter(last_login__gte=now - timedelta(days=int(value)))
