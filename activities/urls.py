from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("", views.index, name="index"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("annual-inspections/missing/", views.missing_inspections, name="missing_inspections"),
    path("welfare-projects/<int:pk>/stages/add/", views.stage_add, name="stage_add"),
    path("<slug:register>/", views.register_list, name="list"),
    path("<slug:register>/add/", views.register_create, name="create"),
    path("<slug:register>/import/", views.register_import, name="import"),
    path("<slug:register>/import/template/", views.register_template, name="template"),
    path("<slug:register>/export/", views.register_export, name="export"),
    path("<slug:register>/<int:pk>/", views.register_detail, name="detail"),
    path("<slug:register>/<int:pk>/edit/", views.register_edit, name="edit"),
    path("<slug:register>/<int:pk>/delete/", views.register_delete, name="delete"),
    path("<slug:register>/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
]
