from django.urls import path

from . import audit_log, import_errors, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<uuid:pk>/status.json", views.job_status, name="job_status"),
    path("jobs/<uuid:pk>/download/", views.job_download, name="job_download"),
    path("jobs/<uuid:pk>/errors.xlsx", import_errors.job_errors_download, name="job_errors"),
    path("audit/", audit_log.audit_list, name="audit_list"),
    path("audit/export/", audit_log.audit_export, name="audit_export"),
    path("audit/archives/<str:name>", audit_log.audit_archive_download, name="audit_archive_download"),
    path("jobs/<uuid:pk>/retry/", views.job_retry, name="job_retry"),
]
