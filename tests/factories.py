"""factory_boy factories and a small world of organisations and users for the tests."""

import io
from dataclasses import dataclass
from datetime import date

import factory
from django.contrib.auth.hashers import make_password

from accounts.choices import OrganisationKind, Role
from accounts.models import Organisation, User
from accounts.services import membership_grant, organisation_create
from casework.services.intake import ClaimItem, IntakeData

PASSWORD = "test-password-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    # Hashed before the row is written, so the stored user can sign in.
    password = factory.LazyFunction(lambda: make_password(PASSWORD))


class IntakeDataFactory(factory.Factory):
    """A complete, valid filing; override any field."""

    class Meta:
        model = IntakeData

    worker_name = "王小明"
    phone = "13812345678"
    employer_name = "常州恒远碳纤维材料有限公司"
    credit_code = "91320412MA1WY8K5BP"  # check character P (GB 32100-2015)
    district = "武进区"
    industrial_chain = "carbon_fibre"
    category_codes = factory.LazyFunction(lambda: ["WAGE.ARREARS"])
    facts = "公司自2026年7月起拖欠工资三个月。"
    knew_date = date(2026, 8, 15)
    employment_start = date(2024, 3, 1)
    claims = factory.LazyFunction(lambda: [ClaimItem(item="拖欠工资", amount="18600.00")])
    consent_union_handling = True
    consent_employer_disclosure = True


@dataclass
class World:
    city: Organisation
    wujin: Organisation
    xinbei: Organisation
    enterprise: Organisation
    centre: Organisation
    firm: Organisation
    worker: User
    other_worker: User
    caseworker: User
    caseworker2: User
    other_caseworker: User
    supervisor: User
    district_supervisor: User
    other_supervisor: User
    coordinator: User
    lawyer: User
    other_coordinator: User
    other_lawyer: User
    analyst: User


def _user(name: str, org: Organisation | None = None, role: str | None = None) -> User:
    user = UserFactory(username=name)
    if org is not None:
        membership_grant(user=user, organisation=org, role=role)
    return user


def build_world() -> World:
    city = organisation_create(
        kind=OrganisationKind.CITY_FEDERATION,
        name_zh="常州市总工会",
        name_en="Changzhou Federation of Trade Unions",
        region="常州市",
    )
    wujin = organisation_create(
        kind=OrganisationKind.DISTRICT_UNION,
        name_zh="武进区总工会",
        name_en="Wujin District Federation of Trade Unions",
        region="常州市武进区",
        parent=city,
    )
    xinbei = organisation_create(
        kind=OrganisationKind.DISTRICT_UNION,
        name_zh="新北区总工会",
        name_en="Xinbei District Federation of Trade Unions",
        region="常州市新北区",
        parent=city,
    )
    enterprise = organisation_create(
        kind=OrganisationKind.ENTERPRISE_UNION,
        name_zh="恒远碳纤维公司工会",
        name_en="Hengyuan Carbon Fibre Enterprise Union",
        region="常州市武进区",
        parent=wujin,
    )
    centre = organisation_create(
        kind=OrganisationKind.LEGAL_AID_CENTRE,
        name_zh="常州市法律援助中心",
        name_en="Changzhou Legal Aid Centre",
        region="常州市",
    )
    firm = organisation_create(
        kind=OrganisationKind.LAW_FIRM,
        name_zh="江苏某律师事务所",
        name_en="Jiangsu Example Law Firm",
        region="常州市",
    )
    return World(
        city=city,
        wujin=wujin,
        xinbei=xinbei,
        enterprise=enterprise,
        centre=centre,
        firm=firm,
        worker=_user("worker"),
        other_worker=_user("other_worker"),
        caseworker=_user("caseworker", wujin, Role.CASEWORKER),
        caseworker2=_user("caseworker2", wujin, Role.CASEWORKER),
        other_caseworker=_user("other_caseworker", xinbei, Role.CASEWORKER),
        supervisor=_user("supervisor", city, Role.SUPERVISOR),
        district_supervisor=_user("district_supervisor", wujin, Role.SUPERVISOR),
        other_supervisor=_user("other_supervisor", xinbei, Role.SUPERVISOR),
        coordinator=_user("coordinator", centre, Role.COORDINATOR),
        lawyer=_user("lawyer", centre, Role.LAWYER),
        other_coordinator=_user("other_coordinator", firm, Role.COORDINATOR),
        other_lawyer=_user("other_lawyer", firm, Role.LAWYER),
        analyst=_user("analyst", city, Role.ANALYST),
    )


# --- more people, for the permission matrix ---------------------------------------------------


@dataclass
class ExtraUsers:
    """People the `world` does not have: a second lawyer of the centre, a caseworker of the
    enterprise union, a superuser with no memberships and an inactive Wujin caseworker."""

    centre_lawyer2: User
    enterprise_caseworker: User
    superuser: User
    inactive_caseworker: User


def build_extra_users(world: World) -> ExtraUsers:
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    inactive = _user("inactive_caseworker", world.wujin, Role.CASEWORKER)
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    return ExtraUsers(
        centre_lawyer2=_user("centre_lawyer2", world.centre, Role.LAWYER),
        enterprise_caseworker=_user("enterprise_caseworker", world.enterprise, Role.CASEWORKER),
        superuser=superuser,
        inactive_caseworker=inactive,
    )


# --- walking a case through the state machine with the real services --------------------------

# A stand-in for WeasyPrint's output: the referral packet is made by the real documents services
# (request, snapshot, audit, render task, hash), only the PDF engine is skipped — it takes
# seconds per render, and the state-machine tests drive hundreds of cases.
FAKE_PDF = b"%PDF-1.7\n% rendered for the tests\n%%EOF\n"
IMMEDIATE_TASKS_ALL_QUEUES = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "pdf", "reminders"],
    }
}


def run_on_commit():
    """Run what a service schedules on commit (notifications, renders) at the end of the block,
    as production does after the commit, even inside a test's transaction. Do not nest."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def referral_packet_make(case, user=None, *, real_pdf: bool = False):
    """A ready referral packet for the case (the guard of refer_to_legal_aid), requested by
    `user` (default: the assignee) through documents.services and rendered by its task. The
    file goes to in-memory storage; `real_pdf=True` renders it with WeasyPrint."""
    from unittest import mock

    from django.conf import settings
    from django.test import override_settings

    from documents.models import DocumentKind, DocumentStatus
    from documents.services import document_request

    storages = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    fake = mock.patch("documents.rendering.render_pdf", return_value=(FAKE_PDF, 1))
    with override_settings(TASKS=IMMEDIATE_TASKS_ALL_QUEUES, STORAGES=storages):
        if not real_pdf:
            fake.start()
        try:
            with run_on_commit():
                doc = document_request(
                    case=case, kind=DocumentKind.REFERRAL_PACKET, user=user or case.assignee
                )
        finally:
            if not real_pdf:
                fake.stop()
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.READY, (doc.status, doc.failure_reason)
    return doc


def referral_prepare(case, *, provider, by=None, packet_by=None):
    """The worker's consent to share with `provider` (given by `by`, default the filing worker),
    and a ready referral packet (requested by `packet_by`, default the assignee)."""
    from casework.choices import ConsentScope
    from casework.permissions import ReceiptHolder
    from casework.services import consent_grant

    consent_grant(
        case=case,
        user=by or case.filed_by or ReceiptHolder(case.pk),
        scope=ConsentScope.LEGAL_AID_PROVIDER,
        provider=provider,
    )
    referral_packet_make(case, packet_by)


def drive_to(
    world: World,
    state: str,
    *,
    filed_by: User | None = None,
    anonymous: bool = False,
    owning_org: Organisation | None = None,
    caseworker: User | None = None,
    supervisor: User | None = None,
    provider: Organisation | None = None,
    coordinator: User | None = None,
    lawyer: User | None = None,
    **intake,
):
    """A new case in `state`, got there by the real services, each step by the person who
    takes it in real life. Defaults: filed by `world.worker` and routed to the Wujin union,
    worked by `world.caseworker`, referral approved by `world.supervisor`, referred to the
    legal-aid centre, whose `coordinator` accepts it for `lawyer`. Intake fields can be
    overridden as keywords (e.g. district="新北区" routes it to the Xinbei union).

    A draft comes from the real intake with the submit step left out (filing submits at once).
    What each step schedules on commit (notifications) runs after it, as in production."""
    from unittest import mock

    from casework import services as s
    from casework.choices import CaseState, ProceedingsStage, RejectReason, Route
    from casework.models import Case, Referral
    from casework.permissions import ReceiptHolder

    S = CaseState
    caseworker = caseworker or world.caseworker
    supervisor = supervisor or world.supervisor
    provider = provider or world.centre
    coordinator = coordinator or world.coordinator
    lawyer = lawyer or world.lawyer
    filer = None if anonymous else (filed_by or world.worker)
    data = IntakeDataFactory(**intake)

    def step(service, **kwargs):
        with run_on_commit():
            return service(**kwargs)

    def fresh(case):
        return Case.objects.select_related("owning_org").get(pk=case.pk)

    if state == S.DRAFT:
        with mock.patch(
            "casework.services.transitions.case_submit", lambda *, case, user, **_kwargs: case
        ):
            case, _ = step(
                s.case_file, data=data, filed_by=filer, owning_org=owning_org, anonymous=anonymous
            )
        return fresh(case)
    case, _ = step(
        s.case_file, data=data, filed_by=filer, owning_org=owning_org, anonymous=anonymous
    )
    owner = filer or ReceiptHolder(case.pk)
    if state == S.SUBMITTED:
        return fresh(case)
    if state == S.REJECTED:
        step(
            s.case_reject,
            case=case,
            user=caseworker,
            reason=RejectReason.OTHER_FORUM,
            route=Route.ARBITRATION,
        )
        return fresh(case)
    if state == S.WITHDRAWN:
        step(s.case_withdraw, case=case, user=owner)
        return fresh(case)
    case = step(s.case_accept_for_review, case=case, user=caseworker)
    if state == S.UNDER_REVIEW:
        return fresh(case)
    if state == S.AWAITING_WORKER:
        step(s.case_request_info, case=case, user=caseworker, question="请提供劳动合同的照片。")
        return fresh(case)
    if state in (S.MEDIATION, S.CLOSED):
        step(s.case_start_mediation, case=case, user=caseworker)
        if state == S.CLOSED:
            step(
                s.case_record_agreement,
                case=case,
                user=caseworker,
                terms="公司于十日内支付欠薪。",
                amount="18600",
            )
        return fresh(case)
    referral_prepare(fresh(case), provider=provider, by=owner)
    result = step(s.case_refer, case=case, user=caseworker, provider_id=provider.pk)
    if isinstance(result, Referral):  # the owning union wants a supervisor's approval
        step(s.case_approve_referral, case=case, user=supervisor)
    if state == S.REFERRED:
        return fresh(case)
    # The check runs automatically at sending and again here; a match with another worker of
    # the same employer (the tests' default employer) is cleared with the reason.
    referral = step(s.case_referral_conflict_check, case=fresh(case), user=coordinator)
    if referral.conflict_found:
        from casework.services.referrals import referral_conflict_clear

        step(
            referral_conflict_clear,
            case=fresh(case),
            user=coordinator,
            note="同一用人单位的其他职工。",
        )
    step(s.case_accept_referral, case=case, user=coordinator, lawyer_id=lawyer.pk)
    if state == S.LEGAL_AID:
        return fresh(case)
    step(
        s.case_start_proceedings,
        case=case,
        user=lawyer,
        stage=ProceedingsStage.ARBITRATION,
        forum="常州市劳动人事争议仲裁委员会",
        filing_date=date(2026, 10, 9),
    )
    if state == S.PROCEEDINGS:
        return fresh(case)
    raise ValueError(f"drive_to: unknown state {state!r}")


# --- "nothing changed": everything a refused action must leave alone ---------------------------


def case_snapshot(case) -> dict:
    """The case row and everything hanging off it, read fresh from the database: compare two
    snapshots with == to prove a refused action changed nothing."""
    from casework.models import (
        AuditEvent,
        Case,
        CaseParty,
        CaseUserObjectPermission,
        Claim,
        ConsentRecord,
        Message,
        Note,
        Notification,
        Referral,
    )
    from documents.models import GeneratedDocument

    def rows(model, **filters):
        return list(model.objects.filter(**filters).order_by("pk").values())

    events = AuditEvent.objects.filter(case_id=case.pk).order_by("id")
    last = events.values("id", "hash").last()
    return {
        "case": Case.objects.filter(pk=case.pk).values().get(),
        "categories": sorted(
            Case.categories.through.objects.filter(case_id=case.pk).values_list(
                "category_id", flat=True
            )
        ),
        "audit_count": events.count(),
        "audit_last": last,
        "audit_total": AuditEvent.objects.count(),
        "notifications": rows(Notification, case_id=case.pk),
        "notifications_total": Notification.objects.count(),
        "messages": rows(Message, case_id=case.pk),
        "notes": rows(Note, case_id=case.pk),
        "referrals": rows(Referral, case_id=case.pk),
        "consents": rows(ConsentRecord, case_id=case.pk),
        "claims": rows(Claim, case_id=case.pk),
        "parties": rows(CaseParty, case_id=case.pk),
        "grants": rows(CaseUserObjectPermission, content_object_id=case.pk),
        "documents": rows(GeneratedDocument, case_id=case.pk),
    }


def jpeg_with_gps() -> bytes:
    """A 64×48 photo, rotated by its EXIF orientation, carrying GPS, a maker, XMP and a comment."""
    from PIL import ExifTags, Image

    im = Image.new("RGB", (64, 48), (200, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    exif[0x010F] = "SecretPhoneMaker"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (31.0, 47.0, 0.0), 3: "E", 4: (119.0, 57.0, 0.0)}
    out = io.BytesIO()
    im.save(out, "JPEG", exif=exif, comment=b"home address", xmp=b"<x:xmpmeta>gps</x:xmpmeta>")
    return out.getvalue()
