from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "基础"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .reference import load_policy_parameters

        post_migrate.connect(load_policy_parameters, sender=self, dispatch_uid="core.load_policy_parameters")

        from . import audit_signals

        audit_signals.connect()
