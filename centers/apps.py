from django.apps import AppConfig


class CentersConfig(AppConfig):
    name = "centers"
    verbose_name = "服务中心与社会组织"

    def ready(self):
        from celery.signals import task_prerun
        from django.db.models.signals import post_delete, post_migrate, post_save

        from . import checks  # noqa: F401 - registers the one-district check
        from .reference import load_reference_district
        from .selectors import clear_district_cache

        post_migrate.connect(
            load_reference_district, sender=self, dispatch_uid="centers.load_reference_district"
        )
        for model_name in ("District", "StreetTown"):
            model = self.get_model(model_name)
            for signal in (post_save, post_delete):
                signal.connect(
                    clear_district_cache, sender=model, dispatch_uid=f"centers.district_cache.{model_name}"
                )
        from .compliance_table import connect_signals

        connect_signals()
        task_prerun.connect(clear_district_cache, dispatch_uid="centers.district_cache.task", weak=False)
