"""Run by test_redis_down in a child process whose REDIS_URL points at a closed port.

    python -m tests.reliability.redis_down_probe USERNAME AGENCY_CODE CSV_PATH

Settings are built from that environment, as a web process started while Redis is down would
build them. Prints one JSON object: the status codes and texts the test asserts on.
"""

from __future__ import annotations

import io
import json
import sys

import django


def main(username: str, agency: str, csv_path: str) -> dict:
    django.setup()
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client

    # A host the production defaults accept (ALLOWED_HOSTS: 127.0.0.1, localhost), not the test
    # client's "testserver": this process is a web process, not a test environment.
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username=username))
    out: dict = {}
    home = client.get("/")
    out["home"] = home.status_code
    page = client.get(f"/agencies/{agency}/")
    out["agency"] = page.status_code
    out["agency_text"] = page.content.decode()
    with open(csv_path, "rb") as handle:
        upload = SimpleUploadedFile("ho-so.csv", handle.read(), content_type="text/csv")
    response = client.post("/imports/", {"kind": "dossiers", "file": upload}, follow=True)
    out["upload"] = response.status_code
    out["upload_text"] = response.content.decode()
    out["redirects"] = [url for url, _ in response.redirect_chain]
    # The operator's command: writes the dossiers; the KPI refresh it asks for is deferred.
    stdout = io.StringIO()
    call_command("import_dossiers", csv_path.replace(".csv", "-command.csv"), stdout=stdout)
    out["command"] = stdout.getvalue()
    return out


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
