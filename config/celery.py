"""The Celery application, used only when the task backend is Celery (RIGHTSDESK_TASK_BACKEND=celery).

Task code stays Django's (`django.tasks`); django-tasks-celery registers each @task with this app
when its module is imported, and `autodiscover_tasks` imports every installed app's tasks.py in
the worker. Start a worker with:

    celery -A config worker -Q default,pdf,reminders --concurrency 2

Settings come from Django's settings, prefix CELERY_ (config/settings.py, "scale-out" block).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("rightsdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
