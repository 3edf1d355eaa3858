"""Orphan permissions (security.md §7 A9): a grant dies with its case or its user, so an object
that later gets the same primary key inherits nothing; and guardian's generic permission tables,
which the app never writes, hold no orphan after the standard deletion paths.

Grants on cases are direct foreign-key rows (CaseUserObjectPermission, ON DELETE CASCADE on both
the case and the user). Guardian's generic tables (UserObjectPermission, GroupObjectPermission)
keep the object's key as text with no constraint: a row left there would pass to whatever next
gets that key. `guardian.utils.clean_orphan_obj_perms` is guardian's own finder of such rows.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import get_perms
from guardian.utils import clean_orphan_obj_perms

from casework.choices import CaseState
from casework.models import Case, CaseUserObjectPermission
from casework.permissions import Access, access, visible_cases
from casework.services.grants import grant_case_access
from documents.models import GeneratedDocument
from tests.factories import UserFactory, drive_to

User = get_user_model()


def _clone_with_pk(model, template, pk, **changes):
    """A new row of `model` with the primary key `pk` (as a database reusing keys would give),
    copied from `template` so that every required field has a value."""
    obj = model.objects.get(pk=template.pk)
    obj.pk = pk
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.save(force_insert=True)
    return model.objects.get(pk=pk)


def test_a_case_and_a_user_recreated_with_the_same_keys_inherit_no_grant(world):
    # Given a case with a lawyer assigned (the lawyer and the caseworker hold grants on it),
    case = drive_to(world, CaseState.LEGAL_AID)
    lawyer = User.objects.get(pk=world.lawyer.pk)
    grants = CaseUserObjectPermission.objects.filter(content_object=case)
    assert set(grants.values_list("user_id", flat=True)) == {world.caseworker.pk, lawyer.pk}
    assert access(lawyer, case) == Access.FULL
    assert set(get_perms(lawyer, case)) >= {"view_case", "work_case"}
    # and a second, unrelated case of another union that nobody granted anything on,
    other = drive_to(world, CaseState.SUBMITTED, district="新北区")
    case_pk, lawyer_pk = case.pk, lawyer.pk
    # when the case and the lawyer's account are deleted,
    # (its generated documents first: they protect the case, as in the purge)
    with transaction.atomic():
        GeneratedDocument.objects.filter(case_id=case_pk).delete()
        Case.objects.filter(pk=case_pk).delete()
        User.objects.filter(pk=lawyer_pk).delete()
    assert not CaseUserObjectPermission.objects.filter(content_object_id=case_pk).exists()
    assert not CaseUserObjectPermission.objects.filter(user_id=lawyer_pk).exists()
    # and new objects get the same keys,
    reborn_case = _clone_with_pk(Case, other, case_pk, reference="REBORN-0001")
    reborn_user = _clone_with_pk(User, world.other_worker, lawyer_pk, username="reborn")
    # then neither holds any grant: not the old grantees on the new case,
    assert not CaseUserObjectPermission.objects.filter(content_object=reborn_case).exists()
    assert get_perms(world.caseworker, reborn_case) == []
    assert access(User.objects.get(pk=world.caseworker.pk), reborn_case) == Access.NONE
    # nor the new user on any case,
    assert not CaseUserObjectPermission.objects.filter(user=reborn_user).exists()
    assert get_perms(reborn_user, reborn_case) == []
    assert access(reborn_user, reborn_case) == Access.NONE
    assert list(visible_cases(reborn_user)) == []
    # and nothing is left in guardian's generic tables for either key.
    ct = ContentType.objects.get_for_model(Case)
    assert not UserObjectPermission.objects.filter(content_type=ct, object_pk=str(case_pk))
    assert not UserObjectPermission.objects.filter(user_id=lawyer_pk).exists()


def test_the_generic_tables_hold_no_orphan_after_the_standard_deletion_paths(world, _files_on_disk):
    from privacy.purge import case_purge

    # Given cases in several states with grants, one ended and purged the way the retention
    # sweep and an approved erasure purge it, and a staff account deleted,
    cases = [
        drive_to(world, state)
        for state in (CaseState.UNDER_REVIEW, CaseState.LEGAL_AID, CaseState.CLOSED)
    ]
    assert CaseUserObjectPermission.objects.count() >= 4
    case_purge(case=cases[2], reason="retention")
    User.objects.filter(pk=world.caseworker2.pk).delete()
    leaver = UserFactory(username="leaver")
    with transaction.atomic():
        grant_case_access(case=cases[0], user=leaver)
    User.objects.filter(pk=leaver.pk).delete()
    # then the app has written nothing to guardian's generic tables, and guardian finds no
    # orphan there,
    assert UserObjectPermission.objects.count() == 0
    assert GroupObjectPermission.objects.count() == 0
    assert clean_orphan_obj_perms() == 0
    # and no direct grant names a user or a case that is gone.
    assert not CaseUserObjectPermission.objects.exclude(user__isnull=False).exists()
    assert not CaseUserObjectPermission.objects.filter(content_object=cases[2]).exists()
    assert set(CaseUserObjectPermission.objects.values_list("user_id", flat=True)) <= set(
        User.objects.values_list("pk", flat=True)
    )


def test_the_orphan_finder_bites(world):
    # A generic grant on a case that is then deleted is an orphan guardian finds and removes.
    case = drive_to(world, CaseState.SUBMITTED)
    from django.contrib.auth.models import Permission

    perm = Permission.objects.get(content_type__app_label="casework", codename="view_case")
    UserObjectPermission.objects.create(
        user=world.other_caseworker,
        permission=perm,
        content_type=ContentType.objects.get_for_model(Case),
        object_pk=str(case.pk),
    )
    assert clean_orphan_obj_perms() == 0
    Case.objects.filter(pk=case.pk).delete()
    assert clean_orphan_obj_perms() == 1
    assert UserObjectPermission.objects.count() == 0


@pytest.fixture
def _files_on_disk(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }
    return tmp_path / "files"
