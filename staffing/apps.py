from django.apps import AppConfig


class StaffingConfig(AppConfig):
    name = "staffing"
    verbose_name = "人员队伍"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .reference import load_minimum_wages

        post_migrate.connect(load_minimum_wages, sender=self, dispatch_uid="staffing.load_minimum_wages")
