from django.apps import AppConfig


class CentersConfig(AppConfig):
    name = "centers"
    verbose_name = "服务中心与社会组织"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .reference import load_reference_district

        post_migrate.connect(
            load_reference_district, sender=self, dispatch_uid="centers.load_reference_district"
        )
