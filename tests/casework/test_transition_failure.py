"""A transition whose own work fails midway (security.md §7 B6): referring a case to legal aid
generates the referral packet, creates the referral, sends it, changes the state and writes the
audit row in one transaction. When a step of it raises (the referral's sending, or the audit
write at the end), everything is as before: the state, the referral and packet rows, the audit
trail, the notifications, nothing scheduled to run after commit (no render, no notice), no file
in the storage; the person sees the generic error page and can simply try again, which works."""

import pytest
from django.test import Client, TestCase
from django.urls import reverse

from casework import services as s
from casework.choices import CaseState
from casework.models import Case, Referral
from documents.models import GeneratedDocument
from tests.factories import case_snapshot, drive_to, run_on_commit

from .test_transitions import _prepare_direct_referral


class Boom(Exception):
    pass


@pytest.fixture
def storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }
    return tmp_path / "files"


def _files(root) -> set:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _ready_to_refer(world):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    _prepare_direct_referral(world, case)
    return Case.objects.select_related("owning_org").get(pk=case.pk)


@pytest.mark.parametrize("failing", ["_send_referral", "audit_record"])
def test_a_referral_that_fails_midway_leaves_everything_as_it_was(
    world, storage, monkeypatch, failing
):
    from casework.services import transitions

    case = _ready_to_refer(world)
    before, files = case_snapshot(case), _files(storage)
    packets = GeneratedDocument.objects.count()
    original = getattr(transitions, failing)

    def fail_after_working(*args, **kwargs):
        original(*args, **kwargs)  # the step does its work, then the process fails
        raise Boom()

    monkeypatch.setattr(transitions, failing, fail_after_working)
    with TestCase.captureOnCommitCallbacks() as scheduled, pytest.raises(Boom):
        s.case_refer(case=case, user=world.caseworker, provider_id=world.centre.pk)
    assert scheduled == []
    assert case_snapshot(case) == before
    assert GeneratedDocument.objects.count() == packets
    assert not Referral.objects.filter(case=case).exists()
    assert _files(storage) == files


def test_the_person_sees_the_error_page_and_the_retry_works(world, storage, monkeypatch):
    from casework.services import transitions

    case = _ready_to_refer(world)
    before = case_snapshot(case)
    browser = Client(raise_request_exception=False)
    browser.force_login(type(world.caseworker).objects.get(pk=world.caseworker.pk))
    url = reverse("casework:case_transition", args=[case.reference, "refer_to_legal_aid"])
    data = {"expected_state": case.state, "provider": str(world.centre.pk)}
    with monkeypatch.context() as m:
        m.setattr(transitions, "_send_referral", lambda *a, **k: (_ for _ in ()).throw(Boom()))
        failed = browser.post(url, data)
    assert failed.status_code == 500
    assert "Traceback" not in failed.content.decode() and "Boom" not in failed.content.decode()
    assert case_snapshot(case) == before
    # The same request again, once the fault is gone, goes through.
    with run_on_commit():
        retried = browser.post(url, data)
    assert retried.status_code in (302, 303)
    assert Case.objects.get(pk=case.pk).state == CaseState.REFERRED
    assert Referral.objects.filter(case=case, sent_at__isnull=False).count() == 1
