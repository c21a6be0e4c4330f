"""The Celery application. Tasks run inline (CELERY_TASK_ALWAYS_EAGER) when REDIS_URL is unset.

`send_or_defer` is how the web and the importer hand work to the queue: when the broker (Redis)
does not answer it logs and returns False instead of raising, and the caller leaves the work
recorded in the database (a pending batch, touched cells) for a periodic sweep to send again
once Redis is back (docs/reliability.md).
"""

from __future__ import annotations

import logging
import os

from celery import Celery
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpi_portal.settings")

app = Celery("kpi_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)

# A broker that is down is known in well under a second; don't hold a web request for long.
_PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def send_or_defer(task, *args) -> bool:
    """Send the task to the queue; False (logged, not raised) when the broker is unreachable."""
    try:
        task.apply_async(args=args, retry=True, retry_policy=_PUBLISH_RETRY)
    except (OperationalError, OSError) as exc:
        logger.warning("broker unreachable, %s%r left for the next sweep: %s", task.name, args, exc)
        return False
    return True
