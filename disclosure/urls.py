from django.urls import path

from . import views

app_name = "disclosure"

urlpatterns = [
    path("", views.center_list, name="center_list"),
    path("centers/<int:pk>/", views.center_detail, name="center_detail"),
    path("draws/<int:year>/", views.draw_record, name="draw_record"),
    path("draws/<int:year>.json", views.draw_record_json, name="draw_record_json"),
]
