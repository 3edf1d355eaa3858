"""Erasure requests (PIPL Art. 47): the worker asks, a supervisor over the case's union
approves (the case is purged) or declines with a reason; nobody else can decide."""

from django.urls import reverse

from casework.models import AuditEvent, Case
from documents.models import Evidence
from privacy.models import ErasureRequest, ErasureState, PurgedCase
from tests.factories import drive_to

from .conftest import files_under

MY_DATA = "/privacy/"
QUEUE = "/privacy/requests/"


def _ask(client, case, language="en"):
    # The message is put into words when the request is answered, in that request's language.
    return client.post(
        reverse("privacy:erasure_request", args=[case.reference]), HTTP_ACCEPT_LANGUAGE=language
    )


def _decide(client, request, decision, reason=""):
    return client.post(
        reverse("privacy:erasure_decide", args=[request.pk]),
        {"decision": decision, "reason": reason},
    )


def test_a_worker_asks_and_a_supervisor_approves_the_case_is_purged(
    client, world, ended_case, _files_on_disk, django_capture_on_commit_callbacks
):
    client.force_login(world.worker)
    assert ended_case.reference in client.get(MY_DATA).content.decode()
    assert _ask(client, ended_case).status_code == 302
    request = ErasureRequest.objects.get(case=ended_case)
    assert request.state == ErasureState.PENDING and request.requested_by == world.worker
    assert AuditEvent.objects.filter(case=ended_case, verb="erasure_requested").count() == 1

    client.force_login(world.district_supervisor)
    queue = client.get(QUEUE)
    assert queue.status_code == 200 and ended_case.reference in queue.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert _decide(client, request, "approve").status_code == 302

    request.refresh_from_db()
    assert request.state == ErasureState.APPROVED and request.requested_by is None
    assert PurgedCase.objects.get(case=ended_case).reason == "erasure"
    assert not Evidence.objects.filter(case=ended_case).exists()
    assert files_under(_files_on_disk) == []
    assert Case.objects.get(pk=ended_case.pk).facts == ""
    purge = AuditEvent.objects.get(case=ended_case, verb="case_purged")
    assert purge.actor_id == world.district_supervisor.pk
    assert ended_case.reference not in client.get(QUEUE).content.decode()


def test_a_supervisor_declines_with_a_reason_the_worker_reads(client, world, ended_case):
    client.force_login(world.worker)
    _ask(client, ended_case)
    request = ErasureRequest.objects.get()
    client.force_login(world.supervisor)  # the city federation, above the Wujin union
    _decide(client, request, "decline")  # no reason: refused
    request.refresh_from_db()
    assert request.state == ErasureState.PENDING
    _decide(client, request, "decline", "仲裁裁决执行期间需要保留材料。")
    request.refresh_from_db()
    assert request.state == ErasureState.DECLINED
    assert Case.objects.get(pk=ended_case.pk).facts  # nothing erased
    client.force_login(world.worker)
    assert "仲裁裁决执行期间需要保留材料。" in client.get(MY_DATA).content.decode()


def test_nobody_but_a_supervisor_over_the_union_decides(client, world, ended_case):
    client.force_login(world.worker)
    _ask(client, ended_case)
    request = ErasureRequest.objects.get()
    for user in (world.other_supervisor, world.caseworker, world.lawyer, world.worker):
        client.force_login(user)
        assert _decide(client, request, "approve").status_code == 404, user
        if user != world.other_supervisor:
            assert client.get(QUEUE).status_code == 404, user
        else:
            assert ended_case.reference not in client.get(QUEUE).content.decode()
    request.refresh_from_db()
    assert request.state == ErasureState.PENDING
    assert not PurgedCase.objects.exists() and Case.objects.get(pk=ended_case.pk).facts


def test_only_the_filer_asks_only_once_and_only_when_ended(client, world, ended_case):
    open_case = drive_to(world, "under_review", filed_by=world.worker)
    client.force_login(world.other_worker)
    assert _ask(client, ended_case).status_code == 404
    client.force_login(world.worker)

    def said_after(case) -> str:
        _ask(client, case)
        return client.get(MY_DATA, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Withdraw it first, then ask for erasure." in said_after(open_case)
    assert "A union supervisor will decide on it" in said_after(ended_case)
    assert "You have already asked" in said_after(ended_case)
    assert list(ErasureRequest.objects.values_list("case_id", flat=True)) == [ended_case.pk]
