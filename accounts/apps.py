from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号与角色"

    def ready(self):
        from django.conf import settings
        from django.contrib.auth.signals import user_logged_in, user_login_failed
        from django.db.models.signals import post_migrate, post_save

        from . import security
        from .roles import Role
        from .services import sync_role_groups

        unknown = sorted(set(settings.TWO_FACTOR_ROLES) - {role.value for role in Role})
        if unknown:
            known = ", ".join(role.value for role in Role)
            raise ImproperlyConfigured(
                f"TWO_FACTOR_ROLES: unknown role(s) {', '.join(unknown)}; use some of {known}"
            )

        post_migrate.connect(sync_role_groups, dispatch_uid="accounts.sync_role_groups")
        post_save.connect(
            security.on_user_saved, sender=self.get_model("User"), dispatch_uid="accounts.first_password"
        )
        user_logged_in.connect(security.on_user_logged_in, dispatch_uid="accounts.login_event_success")
        user_login_failed.connect(security.on_user_login_failed, dispatch_uid="accounts.login_event_failure")

        from . import tokens

        tokens.connect()
