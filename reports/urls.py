from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("test-pdf/", views.test_pdf_create, name="test_pdf_create"),
]
