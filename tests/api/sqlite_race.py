"""Child process of test_idempotency: two POSTs with one Idempotency-Key at the same moment,
against a server on a real SQLite file (the embedded default: WAL, IMMEDIATE transactions).
Prints one JSON line with what happened. Needs SQLITE_PATH and RIGHTSDESK_VAR_DIR set to a
temporary directory."""

import json
import os
import sys
import threading
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
assert "race" in os.environ["SQLITE_PATH"]  # never a real database

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

settings.TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "pdf", "reminders"],
    }
}
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
call_command("migrate", verbosity=0, interactive=False)

from api.views import cases, transitions  # noqa: E402
from casework.models import AuditEvent, Case  # noqa: E402
from tests.api.conftest import token_for  # noqa: E402
from tests.factories import build_world  # noqa: E402

INTAKE = {
    "worker_name": "李四",
    "employer_name": "常州某机械有限公司",
    "category_codes": ["WAGE.ARREARS"],
    "facts": "拖欠两个月工资。",
    "consent_union_handling": True,
}


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def slowly(real):
    def slow(*args, **kwargs):
        time.sleep(0.6)
        return real(*args, **kwargs)

    return slow


def together(*calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def main():
    world = build_world()
    token = token_for(world.caseworker)
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
    server.set_app(get_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/api/v1"
    headers = {"Authorization": f"Bearer {token}"}

    def post(path, body, key):
        with httpx.Client(timeout=60) as http:
            return http.post(base + path, json=body, headers={**headers, "Idempotency-Key": key})

    with mock.patch.object(cases, "case_file", slowly(cases.case_file)):
        a, b = together(lambda: post("/cases/", INTAKE, "k"), lambda: post("/cases/", INTAKE, "k"))
    reference = a.json()["reference"]
    real = transitions.TRANSITIONS["accept_for_review"]
    url = f"/cases/{reference}/transitions/accept_for_review/"
    with mock.patch.dict(
        transitions.TRANSITIONS, {"accept_for_review": (slowly(real[0]), *real[1:])}
    ):
        c, d = together(lambda: post(url, {}, "t"), lambda: post(url, {}, "t"))
    server.shutdown()
    print(
        json.dumps(
            {
                "statuses": [a.status_code, b.status_code],
                "bodies_equal": a.json() == b.json(),
                "replayed": sorted(
                    [
                        a.headers.get("Idempotent-Replayed", ""),
                        b.headers.get("Idempotent-Replayed", ""),
                    ]
                ),
                "cases": Case.objects.count(),
                "transition_statuses": [c.status_code, d.status_code],
                "accept_events": AuditEvent.objects.filter(verb="accept_for_review").count(),
            }
        )
    )


main()
