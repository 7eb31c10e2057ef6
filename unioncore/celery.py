"""The Celery app. Every task runs as the "system" user, so the history rows it writes name it."""

import os

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unioncore.settings.dev")


class SystemTask(Task):
    def __call__(self, *args, **kwargs):
        from unioncore.audit import acting_as, system_user

        with acting_as(system_user()):
            return super().__call__(*args, **kwargs)


app = Celery("unioncore", task_cls=SystemTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
