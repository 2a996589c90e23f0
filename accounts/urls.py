from django.contrib.auth import views as auth_views
from django.urls import path

from core.access import PUBLIC, access

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/verify/", views.LoginVerifyView.as_view(), name="login_verify"),
    path("logout/", access(write=PUBLIC)(auth_views.LogoutView.as_view()), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("two-factor/", views.TwoFactorView.as_view(), name="two_factor"),
    path("api-token/", views.api_token, name="api_token"),
    path("two-factor/recovery-codes/", views.RecoveryCodesView.as_view(), name="recovery_codes"),
    # 账号管理 (account administrators only; 404 for everyone else)
    path("users/", views.user_list, name="user_list"),
    path("users/export/", views.user_export, name="user_export"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/import/", views.user_import, name="user_import"),
    path("users/import/commit/", views.user_import_commit, name="user_import_commit"),
    path("users/import/passwords/", views.user_import_passwords, name="user_import_passwords"),
    path("users/import/template/", views.user_template, name="user_template"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/active/", views.user_set_active, name="user_set_active"),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user_unlock"),
    path("users/<int:pk>/reset-password/", views.user_reset_password, name="user_reset_password"),
]
