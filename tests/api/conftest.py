"""Fixtures of the API tests: tokens per role, API clients, a packet renderer stand-in."""

from unittest import mock

import pytest
from rest_framework.test import APIClient

from accounts.models import Membership
from api.tokens import token_create
from tests.factories import FAKE_PDF


def token_for(user, org=None, role=None) -> str:
    """A new API token acting as the user's (first, or given) membership."""
    memberships = Membership.objects.filter(user=user)
    if org is not None:
        memberships = memberships.filter(organisation=org)
    if role is not None:
        memberships = memberships.filter(role=role)
    _row, raw = token_create(user=user, membership_id=memberships.first().pk, name="test")
    return raw


def client_for(user=None, *, token: str | None = None, session: bool = False) -> APIClient:
    """An API client: with a token (default for staff), the session, or anonymous."""
    client = APIClient()
    if user is not None and session:
        client.force_login(user)
    elif user is not None or token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token or token_for(user)}")
    return client


@pytest.fixture
def fake_pdf(settings):
    """Filings are made by the real services and task; only WeasyPrint is replaced, and the
    files go to in-memory storage."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    with mock.patch("documents.rendering.render_pdf", return_value=(FAKE_PDF, 1)):
        yield FAKE_PDF
