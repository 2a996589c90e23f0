from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<uuid:pk>/status.json", views.job_status, name="job_status"),
    path("jobs/<uuid:pk>/download/", views.job_download, name="job_download"),
    path("jobs/<uuid:pk>/retry/", views.job_retry, name="job_retry"),
]
