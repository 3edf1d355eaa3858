"""API tokens: scoped to one membership, stored hashed, revocable, last use recorded."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.choices import Role
from accounts.services import membership_grant
from api.models import ApiToken
from api.tokens import LAST_USED_RESOLUTION, token_create, token_revoke
from casework.choices import CaseState
from tests.factories import drive_to

from .conftest import client_for, token_for

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_only_as_its_hash_and_shown_once(world):
    membership = world.caseworker.memberships.get()
    row, raw = token_create(user=world.caseworker, membership_id=membership.pk, name="hotline")
    stored = ApiToken.objects.filter(pk=row.pk).values().get()
    assert raw not in str(stored.values())
    assert stored["digest"] == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(f"rdt_{row.prefix}_") and len(raw) > 50


def test_a_token_acts_only_for_memberships_of_its_owner(world):
    from casework.errors import GuardFailed

    foreign = world.other_caseworker.memberships.get()
    with pytest.raises(GuardFailed):
        token_create(user=world.caseworker, membership_id=foreign.pk, name="x")
    assert not ApiToken.objects.exists()


def test_a_revoked_token_is_refused_on_its_next_request(world):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    raw = token_for(world.caseworker)
    client = client_for(token=raw)
    assert client.get(f"/api/v1/cases/{case.reference}/").status_code == 200
    token_revoke(user=world.caseworker, token_id=ApiToken.objects.get().pk)
    response = client.get(f"/api/v1/cases/{case.reference}/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_token_of_an_inactive_user_or_a_removed_membership_is_refused(world):
    raw = token_for(world.caseworker)
    world.caseworker.is_active = False
    world.caseworker.save(update_fields=["is_active"])
    assert client_for(token=raw).get("/api/v1/cases/").status_code == 401
    raw2 = token_for(world.caseworker2)
    world.caseworker2.memberships.all().delete()
    assert client_for(token=raw2).get("/api/v1/cases/").status_code == 401


def test_a_token_of_one_organisation_cannot_reach_another_organisations_cases(world):
    wujin_case = drive_to(world, CaseState.SUBMITTED)
    xinbei_case = drive_to(world, CaseState.SUBMITTED, district="新北区")
    # The same person works for both unions; the token acts for Wujin only.
    membership_grant(user=world.caseworker, organisation=world.xinbei, role=Role.CASEWORKER)
    client = client_for(token=token_for(world.caseworker, world.wujin))
    refs = [r["reference"] for r in client.get("/api/v1/cases/").json()["results"]]
    assert refs == [wujin_case.reference]
    assert client.get(f"/api/v1/cases/{xinbei_case.reference}/").status_code == 404
    response = client.post(f"/api/v1/cases/{xinbei_case.reference}/transitions/accept_for_review/")
    assert response.status_code == 404
    xinbei_case.refresh_from_db(fields=["assignee"])
    assert xinbei_case.assignee_id is None
    # The session sees both: it is the person, not one of their roles.
    both = client_for(world.caseworker, session=True).get("/api/v1/cases/").json()
    assert {r["reference"] for r in both["results"]} == {
        wujin_case.reference,
        xinbei_case.reference,
    }


def test_a_supervisor_token_does_not_carry_the_owners_caseworker_role(world):
    case = drive_to(world, CaseState.SUBMITTED, district="新北区")
    membership_grant(user=world.analyst, organisation=world.xinbei, role=Role.CASEWORKER)
    analyst_token = token_for(world.analyst, world.city, Role.ANALYST)
    client = client_for(token=analyst_token)
    assert client.get("/api/v1/cases/").json()["count"] == 0
    assert client.get(f"/api/v1/cases/{case.reference}/").status_code == 404


def test_last_use_is_recorded_at_most_once_a_minute(world):
    raw = token_for(world.caseworker)
    client = client_for(token=raw)
    client.get("/api/v1/rights/categories/")
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    client.get("/api/v1/rights/categories/")
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=first - LAST_USED_RESOLUTION - timedelta(seconds=1))
    client.get("/api/v1/rights/categories/")
    assert ApiToken.objects.get().last_used_at > first - timedelta(seconds=1)
    assert ApiToken.objects.get().last_used_at <= timezone.now()


def test_the_token_page_creates_a_token_shown_once_and_revokes_it(world, client):
    client.force_login(world.caseworker)
    membership = world.caseworker.memberships.get()
    response = client.post("/api/tokens/", {"name": "hotline", "membership": membership.pk})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=world.caseworker)
    page = response.content.decode()
    assert f"rdt_{token.prefix}_" in page
    again = client.get("/api/tokens/").content.decode()
    assert f"rdt_{token.prefix}_" not in again and token.prefix in again
    response = client.post(f"/api/tokens/{token.pk}/revoke/")
    assert response.status_code == 303
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_token_page_refuses_another_users_membership_and_token(world, client):
    client.force_login(world.caseworker)
    foreign = world.other_caseworker.memberships.get()
    response = client.post("/api/tokens/", {"name": "x", "membership": foreign.pk})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()
    _row, _raw = token_create(user=world.other_caseworker, membership_id=foreign.pk, name="theirs")
    assert client.post(f"/api/tokens/{_row.pk}/revoke/").status_code == 404
    _row.refresh_from_db()
    assert _row.revoked_at is None


def test_creating_and_revoking_a_token_is_audited_without_the_token(world):
    from casework.models import AuditEvent

    membership = world.caseworker.memberships.get()
    row, raw = token_create(user=world.caseworker, membership_id=membership.pk, name="热线")
    token_revoke(user=world.caseworker, token_id=row.pk)
    token_revoke(user=world.caseworker, token_id=row.pk)  # twice: recorded once
    events = list(AuditEvent.objects.filter(verb__startswith="api_token_").order_by("id"))
    assert [e.verb for e in events] == ["api_token_created", "api_token_revoked"]
    assert all(e.actor_id == world.caseworker.pk and e.case_id is None for e in events)
    assert raw not in str([e.payload for e in events]) and "热线" not in str(
        [e.payload for e in events]
    )


def test_staff_find_the_token_page_in_the_navigation_and_workers_do_not(world, client):
    from django.urls import reverse

    link = f'href="{reverse("api-tokens")}"'
    client.force_login(world.caseworker)
    assert link in client.get(reverse("casework:queue")).content.decode()
    client.force_login(world.worker)
    assert link not in client.get(reverse("casework:my_cases")).content.decode()
