from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("<slug:register>/", views.register_list, name="list"),
]
