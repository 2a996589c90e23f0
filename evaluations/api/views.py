"""API of the evaluation: the same services, selectors and ``restrict`` as the pages. Reads narrow
by "view", writes by "change" (review: "review", auditor scoring: "audit"); a miss is a 404."""

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.roles import Role
from core.access import BUREAU, CENTER_EDITORS, CENTER_READERS, FILING_READERS, TAKING_PART, access, in_scope
from core.api.mixins import RestrictedQuerysetMixin
from core.audit import log_action
from core.errors import ApplicationError
from core.idempotency import api_key, create_once_or_now
from core.params import int_param
from core.permissions import restrict

from .. import filtersets, selectors, services
from ..choices import ReturnStage
from ..models import (
    Assignment,
    AuditScore,
    Cycle,
    Draw,
    Evidence,
    Filing,
    Indicator,
    Rectification,
    Result,
    ReviewRequest,
    SelfScore,
)
from ..models.filing import FIGURE_NAMES
from . import serializers as s

REVIEWERS = BUREAU | in_scope(Role.SUPERVISOR)
AUDITORS = BUREAU | in_scope(Role.AUDITOR)


class ReadOnly(RestrictedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    pass


@access(read=TAKING_PART)
class CycleViewSet(ReadOnly):
    queryset = Cycle.objects.order_by("-year")
    serializer_class = s.CycleSerializer


@access(read=TAKING_PART)
class IndicatorViewSet(ReadOnly):
    """The rubric: ``?cycle=<id>``."""

    queryset = Indicator.objects.select_related("category").order_by(
        "cycle", "category__sort_order", "sort_order"
    )
    serializer_class = s.IndicatorSerializer
    filterset_fields = ["cycle", "method"]


def _comment(request) -> str:
    """The optional comment of 初审通过 / 受理 (the service checks its length)."""
    comment = request.data.get("comment", "") if hasattr(request.data, "get") else ""
    if comment is None:
        return ""
    if not isinstance(comment, str):
        raise ApplicationError("意见格式不对。", fields={"comment": ["意见应为一段文字。"]})
    return comment


def _filing_for(request, pk, action: str) -> Filing:
    pk = int_param({"filing": pk}, "filing", label="年度填报", required=True)
    return get_object_or_404(restrict(selectors.filing_queryset(), request.user, action), pk=pk)


@access(
    read=FILING_READERS,
    write=CENTER_EDITORS,
    submit=in_scope(Role.DIRECTOR),
    review=REVIEWERS,
    accept=BUREAU,
    return_=REVIEWERS,
)
class FilingViewSet(RestrictedQuerysetMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Annual filings with their frozen snapshot (detail). PATCH saves the activity figures."""

    queryset = selectors.filing_queryset().order_by(
        "-cycle__year", "center__street_town__sort_order", "center__name"
    )
    filterset_class = filtersets.FilingFilterSet
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_serializer_class(self):
        return s.FilingDetailSerializer if self.action != "list" else s.FilingListSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list":  # the snapshot is in the detail only (FilingDetailSerializer)
            return s.FilingListSerializer.list_queryset(qs)
        return qs.prefetch_related("returns") if self.action == "retrieve" else qs

    def perform_update(self, serializer):
        values = {k: v for k, v in self.request.data.items() if k in FIGURE_NAMES}
        figure_notes = self.request.data.get("figure_notes")
        if figure_notes is not None and not isinstance(figure_notes, dict):
            raise ApplicationError(
                "手工填写的说明格式有误：应为“数据项 → 说明”的对象。",
                fields={"figure_notes": ["请按数据项逐项给出说明。"]},
            )
        services.filing_save_figures(
            filing=serializer.instance,
            actor=self.request.user,
            version=self.request.data.get("version"),
            values=values,
            notes=self.request.data.get("notes"),
            figure_notes=figure_notes,
        )

    def update(self, request, *args, **kwargs):
        filing = self.get_object()
        self.perform_update(self.get_serializer(filing))
        filing.refresh_from_db()
        return Response(s.FilingDetailSerializer(filing).data)

    @extend_schema(request=None, responses=s.FilingDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        filing = services.filing_submit(filing=_filing_for(request, pk, "change"), actor=request.user)
        return Response(s.FilingDetailSerializer(filing).data)

    @extend_schema(request=s.FilingMoveSerializer, responses=s.FilingDetailSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        filing = _filing_for(request, pk, "review")
        filing = services.filing_review(filing=filing, actor=request.user, comment=_comment(request))
        return Response(s.FilingDetailSerializer(filing).data)

    @extend_schema(request=s.FilingMoveSerializer, responses=s.FilingDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        if not request.user.has_perm("evaluations.change_cycle"):
            raise NotFound
        filing = _filing_for(request, pk, "change")
        filing = services.filing_accept(filing=filing, actor=request.user, comment=_comment(request))
        return Response(s.FilingDetailSerializer(filing).data)

    @extend_schema(request=s.FilingReturnSerializer, responses=s.FilingReturnSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        bureau = request.user.has_perm("evaluations.change_cycle")
        stage = ReturnStage.ACCEPTANCE if bureau else ReturnStage.REVIEW
        filing = _filing_for(request, pk, "change" if bureau else "review")
        row = services.filing_return(
            filing=filing,
            actor=request.user,
            stage=stage,
            reason=request.data.get("reason", ""),
            field_reasons=request.data.get("field_reasons") or {},
        )
        return Response(s.FilingReturnSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def checklist(self, request, pk=None):
        filing = self.get_object()
        return Response([{"field": f, "message": m} for f, m in services.filing_missing_items(filing)])


@access(read=FILING_READERS, write=CENTER_EDITORS)
class EvidenceViewSet(RestrictedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Evidence files: list and upload (multipart: filing, indicator, file); download through ``/download/``."""

    queryset = Evidence.objects.select_related("indicator").order_by("filing", "indicator__sort_order", "pk")
    filterset_class = filtersets.EvidenceFilterSet

    def get_serializer_class(self):
        return s.EvidenceUploadSerializer if self.action == "create" else s.EvidenceSerializer

    def create(self, request, *args, **kwargs):
        data = s.EvidenceUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        filing = _filing_for(request, data.validated_data["filing"], "change")
        indicator = get_object_or_404(Indicator, cycle=filing.cycle, pk=data.validated_data["indicator"])
        upload = data.validated_data["file"]
        if data.validated_data.get("name"):
            upload._name = data.validated_data["name"]  # checked by the service: no path, matching content
        evidence, _first = create_once_or_now(
            key=api_key(request),
            actor=request.user,
            create=lambda: services.evidence_upload(
                filing=filing, indicator=indicator, actor=request.user, upload=upload
            ),
        )
        return Response(s.EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        evidence = self.get_object()
        log_action(
            "evaluations.evidence.downloaded",
            actor=request.user,
            obj=evidence.filing,
            data={"evidence": evidence.pk},
        )
        return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name)


# The self-assessment is the center's own (evaluations.workflow.CENTER): the bureau reads it.
@access(read=FILING_READERS, write=in_scope(Role.DIRECTOR))
class SelfScoreViewSet(RestrictedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Self-assessment scores; POST {filing, indicator, score, comment} sets one (person-scored only)."""

    queryset = SelfScore.objects.select_related("indicator").order_by("filing", "indicator__sort_order")
    filterset_fields = ["filing"]

    def get_serializer_class(self):
        return s.ScoreInputSerializer if self.action == "create" else s.SelfScoreSerializer

    def create(self, request, *args, **kwargs):
        data = s.ScoreInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        filing = _filing_for(request, data.validated_data["filing"], "change")
        v = data.validated_data
        rows = services.self_scores_save(
            filing=filing,
            actor=request.user,
            entries={v["indicator"]: (v.get("score", ""), v.get("comment", ""))},
            versions={v["indicator"]: v.get("version", 0)},
        )
        return Response(s.SelfScoreSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)


# Scores are the assigned auditor's own (evaluations.services._locked_assignment): the bureau reads.
@access(read=AUDITORS, write=in_scope(Role.AUDITOR))
class AuditScoreViewSet(RestrictedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Spot-check scores; POST {filing, indicator, score|confirmed, comment}; POST ``submit/`` {filing} locks."""

    queryset = AuditScore.objects.select_related("indicator").order_by("filing", "indicator__sort_order")
    filterset_fields = ["filing"]

    def get_queryset(self):
        # writes are checked against the filing ("audit"); reads follow AuditScore's own rule
        return restrict(
            AuditScore.objects.select_related("indicator").order_by("filing", "indicator__sort_order"),
            self.request.user,
        )

    def get_serializer_class(self):
        return s.ScoreInputSerializer if self.action in ("create", "submit") else s.AuditScoreSerializer

    def create(self, request, *args, **kwargs):
        data = s.ScoreInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        filing = _filing_for(request, v["filing"], "audit")
        rows = services.audit_scores_save(
            filing=filing,
            actor=request.user,
            entries={
                v["indicator"]: {
                    "score": v.get("score", ""),
                    "comment": v.get("comment", ""),
                    "confirmed": v.get("confirmed"),
                }
            },
            versions={v["indicator"]: v.get("version", 0)},
        )
        return Response(s.AuditScoreSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.AssignmentSerializer)
    @action(detail=False, methods=["post"])
    def submit(self, request):
        filing = _filing_for(request, request.data.get("filing") or 0, "audit")
        assignment = services.assignment_submit(filing=filing, actor=request.user)
        return Response(s.AssignmentSerializer(assignment).data)


@access(read=TAKING_PART, create=BUREAU)
class DrawViewSet(ReadOnly):
    """The spot-check samples, with ``/verify/`` re-running the draw from its stored inputs. POST draws
    a cycle's sample with the seed committed when it entered spot check; a ``seed`` is refused (400)."""

    queryset = Draw.objects.select_related("seed_commitment").order_by("-cycle__year")
    serializer_class = s.DrawSerializer
    filterset_fields = ["cycle"]

    @extend_schema(request=s.DrawCreateSerializer, responses={201: s.DrawSerializer})
    def create(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        pk = int_param(data, "cycle", label="考评年度", required=True)
        cycle = get_object_or_404(restrict(Cycle.objects.all(), request.user, "change"), pk=pk)
        excluded = data.get("excluded") or []
        if not isinstance(excluded, list) or not all(isinstance(e, dict) for e in excluded):
            raise ApplicationError(
                "排除中心格式有误。", fields={"excluded": ['请写成 [{"center": 中心编号, "reason": 原因}]。']}
            )
        must = data.get("must_include") or []
        if not isinstance(must, list):
            raise ApplicationError("必检中心格式有误。", fields={"must_include": ["请写成中心编号的列表。"]})
        typed = {"seed": data["seed"]} if "seed" in data else {}
        draw = services.draw_create(
            cycle=cycle,
            actor=request.user,
            must_include=must,
            excluded={e.get("center"): e.get("reason") for e in excluded},
            source_value=str(data.get("source_value") or ""),
            **typed,
        )
        return Response(s.DrawSerializer(draw).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def verify(self, request, pk=None):
        draw = self.get_object()
        rerun, matches = services.draw_verify(draw)
        return Response({"rerun": rerun, "stored": [c["id"] for c in draw.result], "matches": matches})


@access(read=AUDITORS)
class AssignmentViewSet(ReadOnly):
    queryset = (
        Assignment.objects.select_related("filing__center", "auditor")
        .defer("filing__snapshot")
        .order_by("-cycle__year", "pk")
    )
    serializer_class = s.AssignmentSerializer
    filterset_fields = ["cycle"]


# A center's result, once published: whoever may see its filing.
@access(read=FILING_READERS)
class ResultViewSet(ReadOnly):
    """Results (published ones for everyone but the bureau); ``?cycle=<id>&revision=<n>``."""

    queryset = Result.objects.select_related("center", "result_set").order_by(
        "result_set", "rank", "center__name"
    )
    serializer_class = s.ResultSerializer
    filterset_class = filtersets.ResultFilterSet


# ---- 复核申请 and 整改事项 -------------------------------------------------------------------------
DIRECTORS = in_scope(Role.DIRECTOR)


def _checked(serializer_class, request):
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


@access(read=CENTER_EDITORS, create=DIRECTORS, decide=BUREAU)
class ReviewRequestViewSet(RestrictedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Review requests (复核申请): a director files one for the own center during publicity (multipart:
    cycle, reasons, evidence); the bureau decides ``decide/`` (维持 or 调整). Others: 404."""

    queryset = ReviewRequest.objects.select_related("cycle", "center").order_by("-cycle__year", "-created_at")
    serializer_class = s.ReviewRequestSerializer
    filterset_fields = ["cycle", "state"]

    def get_queryset(self):
        return restrict(self.queryset, self.request.user, "view")

    def get_serializer_class(self):
        return s.ReviewRequestCreateSerializer if self.action == "create" else s.ReviewRequestSerializer

    def create(self, request, *args, **kwargs):
        v = _checked(s.ReviewRequestCreateSerializer, request)
        cycle = get_object_or_404(Cycle, pk=v["cycle"])
        row, _first = create_once_or_now(
            key=api_key(request),
            actor=request.user,
            create=lambda: services.review_request_file(
                cycle=cycle, actor=request.user, reasons=v["reasons"], evidence=v.get("evidence")
            ),
        )
        return Response(s.ReviewRequestSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ReviewDecisionSerializer, responses=s.ReviewRequestSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        review = self.get_object()
        v = _checked(s.ReviewDecisionSerializer, request)
        review = services.review_request_decide(
            review=review,
            actor=request.user,
            decision=v["decision"],
            reason=v["reason"],
            version=v["version"],
            scores=v.get("scores") or {},
            versions={int(k): val for k, val in (v.get("versions") or {}).items() if str(k).isdigit()},
        )
        return Response(s.ReviewRequestSerializer(review).data)


@access(read=CENTER_READERS, report=DIRECTORS, review=in_scope(Role.SUPERVISOR), close=BUREAU)
class RectificationViewSet(RestrictedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Rectification items (整改事项): the center's director files ``report/``, its supervising unit
    ``review/``s it, the bureau ``close/``s it. Others: 404."""

    queryset = Rectification.objects.select_related("cycle", "center").order_by(
        "-cycle__year", "center__name", "pk"
    )
    serializer_class = s.RectificationSerializer
    filterset_fields = ["cycle", "center", "state"]

    def get_queryset(self):
        return restrict(self.queryset, self.request.user, "view")

    def _item(self, pk, action_name) -> Rectification:
        pk = int_param({"id": pk}, "id", label="整改事项", required=True)
        return get_object_or_404(restrict(self.queryset, self.request.user, action_name), pk=pk)

    @extend_schema(request=s.RectificationReportSerializer, responses=s.RectificationSerializer)
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        item = self._item(pk, "change")
        v = _checked(s.RectificationReportSerializer, request)
        item = services.rectification_submit(
            item=item,
            actor=request.user,
            report=v["report"],
            evidence=v.get("evidence"),
            version=v["version"],
        )
        return Response(s.RectificationSerializer(item).data)

    @extend_schema(request=s.RectificationReviewSerializer, responses=s.RectificationSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        item = self._item(pk, "review")
        v = _checked(s.RectificationReviewSerializer, request)
        item = services.rectification_review(
            item=item, actor=request.user, approve=v["approve"], comment=v["comment"], version=v["version"]
        )
        return Response(s.RectificationSerializer(item).data)

    @extend_schema(request=s.RectificationCloseSerializer, responses=s.RectificationSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        item = self._item(pk, "change")
        v = _checked(s.RectificationCloseSerializer, request)
        item = services.rectification_close(
            item=item, actor=request.user, comment=v["comment"], version=v["version"]
        )
        return Response(s.RectificationSerializer(item).data)
