"""Fixtures of the query-count tests: a measuring client, row makers that go through the real
services, and the check that a page costs the same at a small and a larger number of rows.

Every maker adds rows of one kind and can be called again to add more, so that a test measures
the page, adds rows, and measures it again."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import timedelta
from itertools import count

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from tests.factories import IntakeDataFactory, run_on_commit

SMALL, LARGE = 3, 12


@pytest.fixture(autouse=True)
def _files_in_memory(settings):
    """Evidence and generated documents go to in-memory storage."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


@dataclass
class Cost:
    """What one request cost: the number of queries, their SQL, and the response."""

    queries: list[str]
    response: object

    @property
    def n(self) -> int:
        return len(self.queries)

    def sql(self) -> str:
        return "\n".join(f"  {i + 1:>3}. {q}" for i, q in enumerate(self.queries))


def measure(client, url, *, data=None, method="get", warm=True, before=None) -> Cost:
    """The queries of one request to `url`. `warm` makes the same request once first (the
    session's first touch, per-process caches such as the holiday calendar), so that only the
    page's own queries are counted; `before` runs just before the measured request (e.g. a cache
    clear for a page whose cold cost is the one that matters)."""
    call = getattr(client, method)
    if warm:
        call(url, data or {})
    if before is not None:
        before()
    with CaptureQueriesContext(connection) as ctx:
        response = call(url, data or {})
    assert response.status_code == 200, (response.status_code, url)
    return Cost(queries=[q["sql"] for q in ctx.captured_queries], response=response)


def _vendor_ceiling(ceiling) -> int:
    if isinstance(ceiling, dict):
        return ceiling.get(connection.vendor, ceiling["default"])
    return ceiling


def assert_flat(key: str, small: Cost, large: Cost, ceilings: dict) -> None:
    """(a) the page costs as many queries with LARGE rows as with SMALL ones (no N+1), and
    (b) no more than its stated ceiling. The SQL is printed so that the extra query shows."""
    record = os.environ.get("QCOUNT_RECORD")
    if record:  # writing the ceilings down: `QCOUNT_RECORD=file pytest tests/perf`
        with open(record, "a") as out:
            out.write(f"{connection.vendor}\t{key}\t{small.n}\t{large.n}\n")
    assert large.n == small.n, (
        f"{key}: {small.n} queries with {SMALL} rows, {large.n} with {LARGE} (N+1?)\n"
        f"--- {SMALL} rows:\n{small.sql()}\n--- {LARGE} rows:\n{large.sql()}"
    )
    if key not in ceilings and record:
        return
    assert key in ceilings, f"{key}: no ceiling stated; it costs {large.n} queries"
    ceiling = _vendor_ceiling(ceilings[key])
    assert large.n <= ceiling, (
        f"{key}: {large.n} queries, more than its ceiling {ceiling} on {connection.vendor}\n"
        f"{large.sql()}"
    )


def signed_in(client, user):
    """The client signed in as the user as stored (a staff session is second-factor verified
    by tests/conftest.py's force_login)."""
    client.force_login(User.objects.get(pk=user.pk))
    return client


def api_client(user, *, org=None):
    """An API client with a bearer token of the user's (first, or given) membership."""
    from rest_framework.test import APIClient

    from accounts.models import Membership
    from api.tokens import token_create

    memberships = Membership.objects.filter(user=user)
    if org is not None:
        memberships = memberships.filter(organisation=org)
    _row, raw = token_create(user=user, membership_id=memberships.first().pk, name="perf")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def api_session_client(user):
    """An API client on the user's session (workers have no membership, hence no token)."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(User.objects.get(pk=user.pk))
    return client


# --- rows ---------------------------------------------------------------------------------------

_serial = count(1)


def category_codes(n: int) -> list[str]:
    """The first n active categories a worker may choose (the taxonomy has more than 12)."""
    from rights.models import Category

    codes = list(
        Category.objects.filter(active=True, worker_selectable=True)
        .order_by("sort_order", "code")
        .values_list("code", flat=True)[:n]
    )
    assert len(codes) == n, f"only {len(codes)} categories"
    return codes


def intake(n: int = 1, **overrides):
    """A filing with n categories, n claims and n-1 co-claimants."""
    from casework.services.intake import ClaimItem

    data = {
        "category_codes": category_codes(n),
        "claims": [ClaimItem(item=f"拖欠工资{i}", amount=f"{1000 + i}.00") for i in range(n)],
        "co_claimant_names": [f"工友{i}" for i in range(n - 1)],
    }
    data.update(overrides)
    return IntakeDataFactory(**data)


def file_case(world, *, n: int = 1, filed_by=None, owning_org=None, **overrides):
    from casework.services import case_file

    with run_on_commit():
        case, _ = case_file(
            data=intake(n, **overrides),
            filed_by=filed_by if filed_by is not None else world.worker,
            owning_org=owning_org,
        )
    return case


def queue_cases(world, k: int) -> list:
    """k cases in a cycle of the kinds the queue's filters pick out: unassigned, taken by
    `world.caseworker`, taken by `caseworker2`, urgent (its limitation period nearly over);
    the second and fourth of each cycle with two categories, a co-claimant and two claims."""
    from casework.services import case_accept_for_review

    today = timezone.localdate()
    made = []
    for _ in range(k):
        i = next(_serial) % 4
        kw = {}
        if i == 3:
            kw["knew_date"] = today.replace(year=today.year - 1) + timedelta(days=2)
        case = file_case(world, n=2 if i % 2 else 1, **kw)
        if i == 1:
            case = case_accept_for_review(case=case, user=world.caseworker)
        elif i == 2:
            case = case_accept_for_review(case=case, user=world.caseworker2)
        made.append(case)
    return made


def png(seed: int = 0) -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (seed % 256, 10, 10)).save(out, "PNG")
    return SimpleUploadedFile(f"photo{seed}.png", out.getvalue(), content_type="image/png")


def add_evidence(case, user, k: int) -> None:
    from documents.services import evidence_upload

    for i in range(k):
        evidence_upload(case=case, user=user, files=[png(i)], description=f"证据{i}")


def add_documents(case, k: int) -> None:
    """k ready documents (versions of a filing), written as the render task leaves them."""
    from documents.models import DocumentKind, DocumentStatus, GeneratedDocument

    start = GeneratedDocument.objects.filter(case=case).count()
    for i in range(k):
        GeneratedDocument.objects.create(
            case=case,
            kind=DocumentKind.COMPLAINT_RECEIPT,
            version=start + i + 1,
            status=DocumentStatus.READY,
            sha256=f"{i:064d}",
        )


def add_thread(case, staff, worker, k: int) -> None:
    """k notes by staff, k messages each way."""
    from casework.services import message_post, note_add

    for i in range(k):
        with run_on_commit():
            note_add(case=case, user=staff, body=f"内部备注{i}")
            message_post(case=case, user=staff, body=f"消息{i}")
            message_post(case=case, user=worker, body=f"回复{i}")


# --- pages' rows (shared by the page and API tests) -----------------------------------


def intake_fields(n: int) -> dict:
    data = intake(n)
    return {
        "category_codes": data.category_codes,
        "claims": data.claims,
        "co_claimant_names": data.co_claimant_names,
    }


def providers(n: int) -> list:
    from accounts.choices import OrganisationKind
    from accounts.services import organisation_create

    return [
        organisation_create(
            kind=OrganisationKind.LEGAL_AID_CENTRE,
            name_zh=f"法律援助工作站{i}",
            name_en=f"Legal aid station {i}",
            region="常州市",
        )
        for i in range(n)
    ]


def full_case(world, n: int):
    """A case worked by `world.caseworker` with n of everything the case page lists: categories,
    claims, co-claimants, notes, messages each way, evidence, documents, consents to n
    providers (which the case may also be referred to), and the timeline events of all that."""
    from casework.choices import ConsentMethod, ConsentScope
    from casework.services import case_accept_for_review, consent_grant

    case = file_case(world, n=n)
    case = case_accept_for_review(case=case, user=world.caseworker)
    add_thread(case, world.caseworker, world.worker, n)
    add_evidence(case, world.caseworker, n)
    add_evidence(case, world.worker, n)
    add_documents(case, n)
    for provider in providers(n):
        with run_on_commit():
            consent_grant(
                case=case,
                user=world.caseworker,
                scope=ConsentScope.LEGAL_AID_PROVIDER,
                provider=provider,
                method=ConsentMethod.PAPER,
            )
    return case


def worker_case(world, n: int, *, filed_by=None, anonymous=False):
    """A case with n categories, claims, messages each way (notices), worker evidence and
    consents to n providers given by the worker."""
    from casework.choices import ConsentScope
    from casework.permissions import ReceiptHolder
    from casework.services import case_accept_for_review, case_file, consent_grant

    code = None
    if anonymous:
        with run_on_commit():
            case, code = case_file(data=intake(n), anonymous=True)
        worker = ReceiptHolder(case.pk)
    else:
        case = file_case(world, n=n, filed_by=filed_by)
        worker = filed_by
    case = case_accept_for_review(case=case, user=world.caseworker)
    add_thread(case, world.caseworker, worker, n)
    add_evidence(case, worker, n)
    for provider in providers(n):
        with run_on_commit():
            consent_grant(
                case=case, user=worker, scope=ConsentScope.LEGAL_AID_PROVIDER, provider=provider
            )
    return case, code


def report_cases(world, k: int, n: int) -> None:
    """k cases over both districts, each with n categories, half of them taken on."""
    from casework.services import case_accept_for_review

    for i in range(k):
        case = file_case(world, n=n, district="新北区" if i % 2 else "武进区")
        if i % 3 == 0:
            caseworker = world.other_caseworker if i % 2 else world.caseworker
            case_accept_for_review(case=case, user=caseworker)
