from django.urls import path

from . import views

app_name = "centers"

urlpatterns = [
    path("overview/", views.overview, name="overview"),
    path("", views.center_list, name="center_list"),
    path("new/", views.center_create, name="center_create"),
    path("<int:pk>/", views.center_detail, name="center_detail"),
    path("<int:pk>/history/", views.center_history, name="center_history"),
    path("<int:pk>/edit/", views.center_edit, name="center_edit"),
    path("<int:center_pk>/<slug:kind>/new/", views.record_edit, name="record_create"),
    path("<int:center_pk>/<slug:kind>/<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("<int:center_pk>/<slug:kind>/<int:pk>/delete/", views.record_delete, name="record_delete"),
    path("files/<slug:model>/<int:pk>/<slug:field>/", views.document, name="document"),
    path("organizations/", views.organization_list, name="organization_list"),
    path("organizations/new/", views.organization_edit, name="organization_create"),
    path("organizations/<int:pk>/edit/", views.organization_edit, name="organization_edit"),
    path(
        "organizations/<int:pk>/ratings/new/",
        views.organization_rating_create,
        name="organization_rating_create",
    ),
    path("organizations/export.xlsx", views.organization_export, name="organization_export"),
    path("organizations/template.xlsx", views.organization_template, name="organization_template"),
    path("organizations/import/", views.organization_import, name="organization_import"),
    path("organizations/import/commit/", views.organization_import_commit, name="organization_import_commit"),
]
