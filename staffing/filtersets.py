"""One FilterSet per list, serving both the HTML page and the API (NetBox's habit)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import ExpertiseField, StaffKind
from .forms import DATE_WIDGET, WILLING_CHOICES
from .models import StaffMember, TalentProfile

TALENT_FLAG_CHOICES = [("leading", _("领军人才")), ("backbone", _("党员骨干"))]


class StaffMemberFilterSet(django_filters.FilterSet):
    center = django_filters.NumberFilter(field_name="center_id", label=_("服务中心编号"))
    on = django_filters.DateFilter(method="filter_on", label=_("名册日期"), widget=DATE_WIDGET)
    kind = django_filters.ChoiceFilter(choices=StaffKind.choices, label=_("人员类别"), empty_label=_("全部"))
    q = django_filters.CharFilter(method="filter_q", label=_("姓名或证书"))

    class Meta:
        model = StaffMember
        fields = ["center", "on", "kind", "q"]

    def filter_on(self, queryset, name, value):
        from .selectors import employed_on_q

        return queryset.filter(employed_on_q(value))

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(other_certificates__icontains=value))


class TalentProfileFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label=_("关键词"), help_text=_("姓名、社会组织、专长或证书")
    )
    expertise = django_filters.ChoiceFilter(
        choices=ExpertiseField.choices, label=_("专业领域"), empty_label=_("全部")
    )
    willing = django_filters.ChoiceFilter(
        method="filter_willing", choices=WILLING_CHOICES[1:], label=_("意愿"), empty_label=_("不限")
    )
    flag = django_filters.ChoiceFilter(
        method="filter_flag", choices=TALENT_FLAG_CHOICES, label=_("人才类别"), empty_label=_("不限")
    )
    min_years = django_filters.NumberFilter(
        field_name="years_of_experience",
        lookup_expr="gte",
        label=_("从业年限不少于"),
        widget=forms.NumberInput(attrs={"min": 0, "max": 70}),
    )

    class Meta:
        model = TalentProfile
        fields = ["q", "expertise", "willing", "flag", "min_years"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(organization_name__icontains=value)
            | Q(expertise_detail__icontains=value)
            | Q(certificates__icontains=value)
        )

    def filter_flag(self, queryset, name, value):
        if value == "leading":
            return queryset.filter(is_leading_talent=True)
        if value == "backbone":
            return queryset.filter(is_party_backbone=True)
        return queryset

    def filter_willing(self, queryset, name, value):
        if value == "lecture":
            return queryset.filter(willing_to_lecture=True)
        if value == "consult":
            return queryset.filter(willing_to_consult=True)
        return queryset
