from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.document_list, name="document_list"),
    path("<int:pk>/", views.document_detail, name="document_detail"),
    path("<int:pk>/download/", views.document_download, name="document_download"),
    path("cycles/<int:cycle_pk>/zip/", views.cycle_zip, name="cycle_zip"),
    path("cycles/<int:cycle_pk>/render/", views.cycle_render, name="cycle_render"),
    path("cycles/<int:cycle_pk>/draw-record/", views.draw_record, name="draw_record"),
    path("verify/", views.verify, name="verify"),
    path("verify/<str:code>/", views.verify_code, name="verify_code"),
    path("test-pdf/", views.test_pdf_create, name="test_pdf_create"),
]
