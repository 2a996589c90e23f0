from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from core.access import PUBLIC, SIGNED_IN, access


@access(read=PUBLIC, write=PUBLIC)
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@access(read=SIGNED_IN, write=SIGNED_IN)
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("core:home")

    def form_valid(self, form):
        messages.success(self.request, "密码已修改。")
        return super().form_valid(form)
