"""Gunicorn settings for the web container:

    gunicorn -c python:kpi_portal.gunicorn_conf kpi_portal.wsgi

Every value can be changed through the environment without rebuilding the image.
"""

from __future__ import annotations

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A full-year page or an export can take a while; an upload is written to disk first.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# Restart workers now and then, so a slow leak in a long-lived process never builds up.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# The TLS proxy in front sets X-Forwarded-Proto; trust it from any address inside the network.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
# Access log on stdout, one line per request, ending with the request id that the application
# put in the response (kpi_portal/request_id.py), so it can be matched with the app's JSON logs.
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" request_id=%({x-request-id}o)s'
