from django.urls import path

from . import views

app_name = "disclosure"

urlpatterns = [
    path("", views.center_list, name="center_list"),
    path("centers/<int:pk>/", views.center_detail, name="center_detail"),
]
