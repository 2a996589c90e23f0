from django.contrib.auth import views as auth_views
from django.urls import path

from core.access import PUBLIC, access

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", access(write=PUBLIC)(auth_views.LogoutView.as_view()), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
]
