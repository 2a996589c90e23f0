from django.db.models import F
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import LabelField, PlannedRepresentation

from ..models import (
    Assignment,
    AuditScore,
    Cycle,
    Draw,
    Evidence,
    Filing,
    FilingReturn,
    Indicator,
    Rectification,
    Result,
    ReviewRequest,
    SelfScore,
)
from ..models.filing import FIGURE_NAMES


@extend_schema_field(
    {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "to": {"type": "string"},
                "label": {"type": "string"},
                "reason_required": {"type": "boolean"},
            },
        },
    }
)
class MovesField(serializers.Field):
    """The moves out of the object's state the requesting user may make (evaluations.workflow)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "当前用户可进行的状态变更：[{to, label, reason_required}]")
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        from ..workflow import allowed_moves, needs_reason

        request = self.context.get("request")
        if request is None:
            return []
        return [
            {"to": m.target, "label": m.label, "reason_required": needs_reason(m, obj)}
            for m in allowed_moves(obj, request.user)
        ]


class CycleSerializer(serializers.ModelSerializer):
    state = serializers.CharField(
        read_only=True,
        help_text="draft/open/spot_check/scoring/publicity/final/archived（published：公示制度前公布的年度）",
    )
    state_label = LabelField("state")
    moves = MovesField()

    class Meta:
        model = Cycle
        fields = [
            "id", "year", "title", "state", "state_label", "levels", "filing_deadline", "review_deadline",
            "acceptance_deadline", "spot_check_deadline", "sample_numerator", "sample_denominator",
            "combination_rule", "self_weight", "grade_bands", "gap_tolerance", "performance_weight",
            "reminder_days", "opened_at", "published_at", "publicity_days", "publicity_ends_on", "finalized_at",
            "rectification_days", "unsubmitted_rule", "not_applicable_rule", "filing_closed_at",
            "filing_close_reason", "moves",
        ]  # fmt: skip


class IndicatorSerializer(serializers.ModelSerializer):
    category_code = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "id", "cycle", "category_code", "category_name", "code", "name", "description", "max_score",
            "expected_evidence", "evidence_required", "method", "formula", "sort_order",
        ]  # fmt: skip


class FilingMoveSerializer(serializers.Serializer):
    """The body of 初审通过 / 受理: an optional comment, sent to the center with its notice."""

    comment = serializers.CharField(required=False, allow_blank=True, help_text="意见（选填，不超过 500 字）")


class FilingReturnSerializer(serializers.ModelSerializer):
    class Meta:
        model = FilingReturn
        fields = ["id", "stage", "reason", "field_reasons", "created_at", "resolved_at"]


class FilingSerializer(PlannedRepresentation, serializers.ModelSerializer):
    center_name = serializers.CharField(source="center.name", read_only=True)
    year = serializers.IntegerField(source="cycle.year", read_only=True)
    state = serializers.CharField(read_only=True, help_text="draft/submitted/reviewed/accepted/returned")
    state_label = LabelField("state")
    has_work_plan = serializers.SerializerMethodField()
    moves = MovesField()

    class Meta:
        model = Filing
        fields = [
            "id", "cycle", "year", "center", "center_name", "state", "state_label", *FIGURE_NAMES, "notes",
            "figure_notes",
            "has_work_plan", "self_total", "submitted_at", "reviewed_at", "accepted_at", "reopened_until",
            "version", "moves",
        ]  # fmt: skip
        read_only_fields = [
            "figure_notes",
            "cycle",
            "center",
            "state",
            "self_total",
            "submitted_at",
            "reviewed_at",
            "accepted_at",
            "reopened_until",
            "version",
        ]

    def get_has_work_plan(self, obj) -> bool:
        return bool(obj.work_plan)


class FilingListSerializer(FilingSerializer):
    """A row of the filings list: the year is read with the row (``list_queryset``), not from a cycle
    object built for each filing."""

    year = serializers.IntegerField(source="cycle_year", read_only=True)

    @staticmethod
    def list_queryset(queryset):
        """The columns the list shows, the center's name and supervising unit (``moves`` asks
        ``evaluations.workflow`` about them), the cycle's year; not the snapshot (the detail's)."""
        columns = [name for name in FilingSerializer.Meta.fields if name not in _NOT_COLUMNS]
        return (
            queryset.select_related(None)
            .select_related("center")
            .only(*columns, "work_plan", "center__name", "center__supervising_unit_id")
            .annotate(cycle_year=F("cycle__year"))
        )


_NOT_COLUMNS = {"year", "center_name", "state_label", "has_work_plan", "moves"}


class FilingDetailSerializer(FilingSerializer):
    returns = FilingReturnSerializer(many=True, read_only=True)

    class Meta(FilingSerializer.Meta):
        fields = [*FilingSerializer.Meta.fields, "snapshot", "snapshot_taken_at", "returns"]


class EvidenceSerializer(serializers.ModelSerializer):
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)

    class Meta:
        model = Evidence
        fields = [
            "id",
            "filing",
            "indicator",
            "indicator_code",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "created_at",
        ]


class EvidenceUploadSerializer(serializers.Serializer):
    filing = serializers.IntegerField(label="年度填报编号")
    indicator = serializers.IntegerField(label="指标编号")
    file = serializers.FileField(label="文件")
    name = serializers.CharField(label="文件名（可选，替代上传文件名）", required=False)


class SelfScoreSerializer(serializers.ModelSerializer):
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)

    class Meta:
        model = SelfScore
        fields = [
            "id",
            "filing",
            "indicator",
            "indicator_code",
            "score",
            "comment",
            "computed_detail",
            "version",
        ]


class ScoreInputSerializer(serializers.Serializer):
    filing = serializers.IntegerField(label="年度填报编号")
    indicator = serializers.IntegerField(label="指标编号")
    score = serializers.CharField(label="分数", required=False, allow_blank=True)
    comment = serializers.CharField(label="说明", required=False, allow_blank=True)
    confirmed = serializers.BooleanField(
        label="复核属实（系统计算的指标）", required=False, allow_null=True, default=None
    )
    version = serializers.IntegerField(
        label="读取时该项评分的版本号（尚无评分为 0）；已被他人修改则返回 409",
        required=False,
        min_value=0,
        default=0,
    )


class AuditScoreSerializer(serializers.ModelSerializer):
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)

    class Meta:
        model = AuditScore
        fields = [
            "id",
            "filing",
            "indicator",
            "indicator_code",
            "score",
            "comment",
            "confirmed",
            "computed_detail",
            "version",
        ]


class DrawSerializer(serializers.ModelSerializer):
    commitment = serializers.CharField(source="seed_commitment.digest", read_only=True, default="")
    committed_at = serializers.DateTimeField(
        source="seed_commitment.committed_at", read_only=True, default=None
    )
    # the public source the seed was taken from, when the commitment named one (else empty / null)
    seed_source_description = serializers.CharField(
        source="seed_commitment.source_description", read_only=True, default=""
    )
    seed_source_published_on = serializers.DateField(
        source="seed_commitment.source_published_on", read_only=True, default=None
    )

    class Meta:
        model = Draw
        fields = [
            "id", "cycle", "algorithm", "seed", "commitment", "committed_at", "seed_source_description",
            "seed_source_published_on", "share_numerator",
            "share_denominator", "sample_size", "population", "must_include", "excluded", "result",
            "created_at",
        ]  # fmt: skip


class DrawExclusionSerializer(serializers.Serializer):
    center = serializers.IntegerField()
    reason = serializers.CharField()


class DrawCreateSerializer(serializers.Serializer):
    """What the bureau gives for a draw: no seed (the portal made it and published its commitment);
    when the commitment named a public source, the value that source published (``source_value``)."""

    cycle = serializers.IntegerField()
    must_include = serializers.ListField(child=serializers.IntegerField(), required=False)
    excluded = DrawExclusionSerializer(many=True, required=False)
    source_value = serializers.CharField(required=False, max_length=64)


class AssignmentSerializer(serializers.ModelSerializer):
    center_name = serializers.CharField(source="filing.center.name", read_only=True)
    auditor_name = serializers.CharField(source="auditor.display_name", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "cycle",
            "filing",
            "center_name",
            "auditor",
            "auditor_name",
            "submitted_at",
            "spot_total",
        ]


class ResultSerializer(serializers.ModelSerializer):
    center_name = serializers.CharField(source="center.name", read_only=True)
    cycle = serializers.IntegerField(source="result_set.cycle_id", read_only=True)
    revision = serializers.IntegerField(source="result_set.revision", read_only=True)

    class Meta:
        model = Result
        fields = [
            "id", "cycle", "revision", "center", "center_name", "filing", "submitted", "self_score", "sampled", "spot_score",
            "final_score", "gap", "finding", "grade", "rank", "contribution", "veto", "explanation",
        ]  # fmt: skip


class ReviewRequestSerializer(serializers.ModelSerializer):
    center_name = serializers.CharField(source="center.name", read_only=True)
    cycle_year = serializers.IntegerField(source="cycle.year", read_only=True)
    state_label = LabelField("state")
    decision_label = LabelField("decision")
    has_evidence = serializers.SerializerMethodField()

    class Meta:
        model = ReviewRequest
        fields = [
            "id", "version", "cycle", "cycle_year", "center", "center_name", "result", "reasons", "evidence_name",
            "has_evidence", "state", "state_label", "decision", "decision_label", "decision_reason", "decided_at",
            "revision", "job", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_has_evidence(self, obj) -> bool:
        return bool(obj.evidence)


class ReviewRequestCreateSerializer(serializers.Serializer):
    cycle = serializers.IntegerField(help_text="考评年度编号（公示中的年度）")
    reasons = serializers.CharField(help_text="复核理由")
    evidence = serializers.FileField(required=False, help_text="佐证材料（可不附）")


class ReviewDecisionSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="读取时的版本号")
    decision = serializers.ChoiceField(choices=["maintain", "adjust"], help_text="maintain 维持；adjust 调整")
    reason = serializers.CharField(help_text="决定理由")
    scores = serializers.DictField(
        child=serializers.CharField(), required=False, help_text="调整时：指标编号（id）→ 改正后的抽检分"
    )
    versions = serializers.DictField(
        child=serializers.IntegerField(),
        required=False,
        help_text="调整时：指标编号（id）→ 该抽检分读取时的版本号",
    )


class RectificationSerializer(serializers.ModelSerializer):
    center_name = serializers.CharField(source="center.name", read_only=True)
    cycle_year = serializers.IntegerField(source="cycle.year", read_only=True)
    kind_label = LabelField("kind")
    state_label = LabelField("state")

    class Meta:
        model = Rectification
        fields = [
            "id", "version", "cycle", "cycle_year", "center", "center_name", "kind", "kind_label", "finding",
            "deadline", "state", "state_label", "report", "evidence_name", "submitted_at", "review_comment",
            "reviewed_at", "close_comment", "closed_at",
        ]  # fmt: skip
        read_only_fields = fields


class RectificationReportSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    report = serializers.CharField(help_text="整改报告")
    evidence = serializers.FileField(required=False, help_text="整改佐证材料（首次提交必附）")


class RectificationReviewSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    approve = serializers.BooleanField(help_text="true 通过；false 退回")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class RectificationCloseSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")
