import django_filters

from .choices import FilingState
from .models import Evidence, Filing, Result


class FilingFilterSet(django_filters.FilterSet):
    cycle = django_filters.NumberFilter(field_name="cycle_id", label="考评年度编号")
    year = django_filters.NumberFilter(field_name="cycle__year", label="年度")
    state = django_filters.ChoiceFilter(choices=FilingState.choices, label="状态")
    center = django_filters.NumberFilter(field_name="center_id", label="服务中心编号")
    q = django_filters.CharFilter(field_name="center__name", lookup_expr="icontains", label="中心名称")

    class Meta:
        model = Filing
        fields = ["cycle", "year", "state", "center", "q"]


class FilingChildFilterSet(django_filters.FilterSet):
    filing = django_filters.NumberFilter(field_name="filing_id", label="年度填报编号")


class EvidenceFilterSet(FilingChildFilterSet):
    class Meta:
        model = Evidence
        fields = ["filing"]


class ResultFilterSet(django_filters.FilterSet):
    cycle = django_filters.NumberFilter(field_name="result_set__cycle_id", label="考评年度编号")
    revision = django_filters.NumberFilter(field_name="result_set__revision", label="版本")

    class Meta:
        model = Result
        fields = ["cycle", "revision"]
