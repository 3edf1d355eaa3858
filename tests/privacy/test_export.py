"""A worker downloads everything held about them (PIPL Art. 45): a zip with data.json and the
evidence files they added; audited with counts only."""

import io
import json
import zipfile

from django.urls import reverse

from casework.models import AuditEvent
from documents.models import Evidence
from tests.factories import drive_to

from .conftest import MESSAGE, NOTE

EXPORT = "/privacy/export/"


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_worker_downloads_a_zip_of_their_data(client, world, ended_case):
    client.force_login(world.worker)
    page = client.get(reverse("privacy:my_data"))
    assert page.status_code == 200 and EXPORT in page.content.decode()

    response = client.post(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    archive = _zip(response)
    data = json.loads(archive.read("data.json"))
    assert data["account"]["username"] == world.worker.username
    (grievance,) = data["grievances"]
    assert grievance["reference"] == ended_case.reference
    assert grievance["facts"] == ended_case.facts
    assert any(m["text"] == MESSAGE for m in grievance["messages"])
    assert grievance["workers"][0]["name"] and grievance["workers"][0]["phone"]
    assert grievance["claims"] and grievance["consents"] and grievance["progress"]
    # Internal notes are the union's work, not shown to the worker anywhere, nor here.
    assert NOTE not in json.dumps(data, ensure_ascii=False)
    # The evidence the worker added, byte for byte; not the union's own files.
    mine = Evidence.objects.get(case=ended_case, uploaded_by_worker=True)
    (entry,) = grievance["evidence"]
    with mine.file.open("rb") as handle:
        assert archive.read(entry["file"]) == handle.read()
    assert len(archive.namelist()) == 2
    # Audited, with counts only.
    event = AuditEvent.objects.get(verb="personal_data_exported")
    assert event.actor_id == world.worker.pk
    assert event.payload == {"cases": 1, "files": 1}


def test_the_copy_holds_only_the_workers_own_grievances(client, world, ended_case):
    other = drive_to(world, "submitted", filed_by=world.other_worker)
    client.force_login(world.other_worker)
    data = json.loads(_zip(client.post(EXPORT)).read("data.json"))
    assert [g["reference"] for g in data["grievances"]] == [other.reference]
    assert ended_case.reference not in json.dumps(data)


def test_the_export_is_post_only_and_needs_an_account(client, world):
    assert client.post(EXPORT).status_code == 302  # to the login page
    client.force_login(world.worker)
    assert client.get(EXPORT).status_code == 405
    assert not AuditEvent.objects.filter(verb="personal_data_exported").exists()
