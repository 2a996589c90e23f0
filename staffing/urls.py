from django.urls import path

from . import views

app_name = "staffing"

urlpatterns = [
    path("district/", views.district_table, name="district_table"),
    path("district/export/", views.district_table_export, name="district_table_export"),
    path("centers/<int:center_pk>/roster/", views.roster, name="roster"),
    path("centers/<int:center_pk>/roster/export/", views.roster_export, name="roster_export"),
    path("centers/<int:center_pk>/roster/add/", views.member_create, name="member_create"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/end/", views.member_end, name="member_end"),
    path("members/<int:pk>/delete/", views.member_delete, name="member_delete"),
    path("members/<int:pk>/contract/", views.contract_download, name="contract_download"),
    path("centers/<int:center_pk>/trainings/", views.training_list, name="training_list"),
    path("centers/<int:center_pk>/trainings/add/", views.training_create, name="training_create"),
    path("trainings/<int:pk>/edit/", views.training_edit, name="training_edit"),
    path("trainings/<int:pk>/delete/", views.training_delete, name="training_delete"),
    path("talent/", views.talent_list, name="talent_list"),
    path("talent/add/", views.talent_create, name="talent_create"),
    path("talent/<int:pk>/edit/", views.talent_edit, name="talent_edit"),
    path("talent/<int:pk>/delete/", views.talent_delete, name="talent_delete"),
    path("talent/import/", views.talent_import, name="talent_import"),
    path("talent/import/commit/", views.talent_import_commit, name="talent_import_commit"),
    path("talent/import/template/", views.talent_template, name="talent_template"),
    path("talent/export/", views.talent_export, name="talent_export"),
]
