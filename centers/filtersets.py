"""One FilterSet per list, shared by the pages and the API."""

import django_filters
from django.db.models import Q

from core.filtering import PortalFilterSet

from .choices import CenterLevel, CenterStatus, OrganizationKind, OrganizationStatus, PartyStatus
from .models import (
    ArchiveInventory,
    BankAccount,
    BoardMember,
    GovernanceRule,
    IncomeLine,
    Meeting,
    RatingRecord,
    ServiceCenter,
    SocialOrganization,
    StreetTown,
    SupervisingUnit,
    Supervisor,
    Venue,
)

PARTY_FILTER_CHOICES = [*PartyStatus.choices, ("unrecorded", "未登记")]


def _inspection_gaps():
    from activities.choices import InspectionGap

    return InspectionGap.choices


def _district_street_towns(request=None):
    """Only the installation's district's streets/towns (and units) are offered as filters."""
    from .selectors import current_district

    return StreetTown.objects.filter(district=current_district())


def _district_units(request=None):
    from .selectors import current_district

    return SupervisingUnit.objects.filter(district=current_district())


class CenterFilterSet(PortalFilterSet):
    q = django_filters.CharFilter(label="名称或代码", method="search")
    level = django_filters.ChoiceFilter(label="层级", choices=CenterLevel.choices, empty_label="全部层级")
    status = django_filters.ChoiceFilter(label="状态", choices=CenterStatus.choices, empty_label="全部状态")
    street_town = django_filters.ModelChoiceFilter(
        label="街镇", queryset=_district_street_towns, empty_label="全部街镇"
    )
    supervising_unit = django_filters.ModelChoiceFilter(
        label="业务主管单位", queryset=_district_units, empty_label="全部主管单位"
    )

    class Meta:
        model = ServiceCenter
        fields = ["q", "level", "status", "street_town", "supervising_unit"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__icontains=value.strip().upper()))


class OrganizationFilterSet(PortalFilterSet):
    q = django_filters.CharFilter(label="名称或统一社会信用代码", method="search")
    kind = django_filters.ChoiceFilter(label="类型", choices=OrganizationKind.choices, empty_label="全部类型")
    status = django_filters.ChoiceFilter(
        label="状态", choices=OrganizationStatus.choices, empty_label="全部状态"
    )
    street_town = django_filters.ModelChoiceFilter(
        label="街镇", queryset=_district_street_towns, empty_label="全部街镇"
    )
    industry = django_filters.CharFilter(label="所属行业", lookup_expr="exact")
    party_status = django_filters.ChoiceFilter(
        label="党组织覆盖", choices=PARTY_FILTER_CHOICES, empty_label="全部覆盖情况", method="filter_party"
    )
    registered_after = django_filters.DateFilter(
        label="登记日期起", field_name="registered_on", lookup_expr="gte"
    )
    registered_before = django_filters.DateFilter(
        label="登记日期止", field_name="registered_on", lookup_expr="lte"
    )
    # 年检 (activities' 年度检查 register): the year shown in the list's column and filtered on.
    inspection_year = django_filters.NumberFilter(
        label="年检年度", method="keep", min_value=2000, max_value=2100
    )
    annual_inspection = django_filters.ChoiceFilter(
        label="年检情况", choices=_inspection_gaps, empty_label="全部年检情况", method="filter_inspection"
    )

    class Meta:
        model = SocialOrganization
        fields = [
            "q",
            "kind",
            "status",
            "street_town",
            "industry",
            "party_status",
            "registered_after",
            "registered_before",
            "inspection_year",
            "annual_inspection",
        ]

    def inspection_year_value(self) -> int:
        from django.utils import timezone

        data = self.form.cleaned_data if self.form.is_valid() else {}
        return int(data.get("inspection_year") or timezone.localdate().year)

    def keep(self, queryset, name, value):
        return queryset

    def filter_inspection(self, queryset, name, value: str):
        from activities.selectors import missing_inspection_q

        year = self.inspection_year_value()
        return queryset.filter(missing_inspection_q(year, two_years=value == "two_years"))

    def filter_party(self, queryset, name, value):
        return queryset.filter(party_status="" if value == "unrecorded" else value)

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__istartswith=value))


def _record_filterset(model_class, extra=()):
    fields = ["center", *extra]
    meta = type("Meta", (), {"model": model_class, "fields": fields})
    return type(f"{model_class.__name__}FilterSet", (django_filters.FilterSet,), {"Meta": meta})


VenueFilterSet = _record_filterset(Venue, ["year"])
BankAccountFilterSet = _record_filterset(BankAccount)
IncomeLineFilterSet = _record_filterset(IncomeLine, ["year", "source"])
BoardMemberFilterSet = _record_filterset(BoardMember)
SupervisorFilterSet = _record_filterset(Supervisor)
GovernanceRuleFilterSet = _record_filterset(GovernanceRule, ["kind"])
MeetingFilterSet = _record_filterset(Meeting, ["body"])
ArchiveInventoryFilterSet = _record_filterset(ArchiveInventory, ["year"])


class RatingFilterSet(django_filters.FilterSet):
    class Meta:
        model = RatingRecord
        fields = ["center", "organization", "grade"]
