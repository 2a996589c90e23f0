from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号与角色"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .services import sync_role_groups

        post_migrate.connect(sync_role_groups, dispatch_uid="accounts.sync_role_groups")
