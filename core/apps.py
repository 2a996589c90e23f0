from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "基础"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .reference import load_policy_parameters

        post_migrate.connect(load_policy_parameters, sender=self, dispatch_uid="core.load_policy_parameters")

        from celery.signals import task_postrun, task_prerun

        from .request_log import bind_task, unbind_task

        # Log lines written by a task carry its id (core.request_log).
        task_prerun.connect(bind_task, dispatch_uid="core.request_log.bind_task")
        task_postrun.connect(unbind_task, dispatch_uid="core.request_log.unbind_task")

        from django.contrib.auth.signals import user_logged_in

        from .middleware import touch_session_on_login

        user_logged_in.connect(touch_session_on_login, dispatch_uid="core.touch_session_on_login")

        from . import audit_signals

        audit_signals.connect()
