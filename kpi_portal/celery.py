"""The Celery application. Tasks run inline (CELERY_TASK_ALWAYS_EAGER) when REDIS_URL is unset."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpi_portal.settings")

app = Celery("kpi_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
