from django.urls import path

from . import views, views_batch, views_exports, views_procedure

app_name = "evaluations"

urlpatterns = [
    path("", views.cycle_list, name="cycle_list"),
    path("cycles/new/", views.cycle_create, name="cycle_create"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle_detail"),
    path("cycles/<int:pk>/edit/", views.cycle_edit, name="cycle_edit"),
    path("cycles/<int:pk>/rubric/copy/", views.rubric_copy, name="rubric_copy"),
    path("cycles/<int:pk>/indicators/new/", views.indicator_edit, name="indicator_create"),
    path("cycles/<int:pk>/indicators/<int:indicator_pk>/edit/", views.indicator_edit, name="indicator_edit"),
    path(
        "cycles/<int:pk>/indicators/<int:indicator_pk>/delete/",
        views.indicator_delete,
        name="indicator_delete",
    ),
    path("cycles/<int:pk>/open/", views.cycle_open, name="cycle_open"),
    path("cycles/<int:pk>/advance/", views.cycle_advance, name="cycle_advance"),
    path("cycles/<int:pk>/close-filing/", views.cycle_close_filing, name="cycle_close_filing"),
    path("cycles/<int:pk>/board/", views.cycle_board, name="cycle_board"),
    path("cycles/<int:pk>/board/accept/", views_batch.batch_accept, name="batch_accept"),
    path("cycles/<int:pk>/board/remind/", views_batch.batch_remind, name="batch_remind"),
    path("cycles/<int:pk>/draw/", views.cycle_draw, name="cycle_draw"),
    path("cycles/<int:pk>/draw/verify/", views.cycle_draw_verify, name="cycle_draw_verify"),
    path("cycles/<int:pk>/draw.xlsx", views_exports.draw_record_export, name="draw_record_export"),
    path("cycles/<int:pk>/assignments/", views.cycle_assignments, name="cycle_assignments"),
    path("cycles/<int:pk>/results/", views.cycle_results, name="cycle_results"),
    path("cycles/<int:pk>/results/compute/", views.results_compute, name="results_compute"),
    path("cycles/<int:pk>/results/correct/", views.results_correct, name="results_correct"),
    path("cycles/<int:pk>/finalize/", views_procedure.cycle_finalize, name="cycle_finalize"),
    path("review-requests/", views_procedure.review_request_list, name="review_request_list"),
    path("review-requests/<int:pk>/", views_procedure.review_request_detail, name="review_request_detail"),
    path(
        "review-requests/<int:pk>/decide/",
        views_procedure.review_request_decide,
        name="review_request_decide",
    ),
    path(
        "review-requests/<int:pk>/evidence/",
        views_procedure.review_request_evidence,
        name="review_request_evidence",
    ),
    path("rectifications/", views_procedure.rectification_list, name="rectification_list"),
    path("rectifications/<int:pk>/", views_procedure.rectification_detail, name="rectification_detail"),
    path(
        "rectifications/<int:pk>/report/", views_procedure.rectification_submit, name="rectification_submit"
    ),
    path(
        "rectifications/<int:pk>/review/", views_procedure.rectification_review, name="rectification_review"
    ),
    path("rectifications/<int:pk>/close/", views_procedure.rectification_close, name="rectification_close"),
    path(
        "rectifications/<int:pk>/evidence/",
        views_procedure.rectification_evidence,
        name="rectification_evidence",
    ),
    path("cycles/<int:pk>/results.xlsx", views.results_export, name="results_export"),
    path("my/", views.my_filings, name="my_filings"),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/batch-review/", views_batch.batch_review, name="batch_review"),
    path("assignments/mine/", views.my_assignments, name="my_assignments"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/undelivered/", views.notifications_undelivered, name="notifications_undelivered"),
    path("filings/<int:pk>/", views.filing_detail, name="filing_detail"),
    path("filings/<int:pk>/edit/", views.filing_edit, name="filing_edit"),
    path("filings/<int:pk>/self-assessment/", views.self_assessment, name="self_assessment"),
    path("filings/<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("filings/<int:pk>/work-plan/", views.work_plan_download, name="work_plan_download"),
    path("filings/<int:pk>/submit/", views.filing_submit, name="filing_submit"),
    path("filings/<int:pk>/review/", views.filing_review, name="filing_review"),
    path("filings/<int:pk>/accept/", views.filing_accept, name="filing_accept"),
    path("filings/<int:pk>/return/", views.filing_return, name="filing_return"),
    path("filings/<int:pk>/reopen/", views.filing_reopen, name="filing_reopen"),
    path("filings/<int:pk>/audit/", views.audit_score, name="audit_score"),
    path("filings/<int:pk>/audit/correct/", views.audit_score_correct, name="audit_score_correct"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
]
