"""Filing a grievance: the worker's form, a walk-in or hotline intake by staff, later the API.

One service validates everything and writes everything in one transaction: the worker, the
employer, the case, its parties and claims, the worker's consent to union handling, the
submission and its audit events. Bad input raises `IntakeInvalid` with a message per field and
writes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import OrganisationKind
from accounts.models import Organisation
from rights.local_copy import LocalCopy
from rights.models import Category
from rights.selectors import active_categories

from ..audit import audit_record
from ..choices import (
    Channel,
    ConsentMethod,
    ConsentScope,
    IndustrialChain,
    PartyRole,
    Sex,
    SkillGrade,
)
from ..crypto import digests_equal, lookup_digest
from ..errors import DomainError
from ..models import Case, CaseParty, Claim, ConsentRecord, Employer, ReferenceCounter, Worker
from ..validators import is_valid_credit_code, is_valid_id_number
from .batch import run_together
from .search import case_search_add

# Receipt codes: 16 characters from an alphabet without look-alikes (no I, L, O, U):
# 32 symbols, 5 bits each, 80 bits in all (glossary §1.5, security.md E).
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_LENGTH = 16


class IntakeInvalid(DomainError):
    status = 400

    def __init__(self, field_errors: dict):
        super().__init__(_("Please correct the marked fields."), field_errors=field_errors)


@dataclass
class ClaimItem:
    item: str
    amount: Decimal | str | None = None
    period_start: date | None = None
    period_end: date | None = None


@dataclass
class IntakeData:
    """Everything a filing carries. Strings may be empty; the service says what is missing."""

    # about me
    worker_name: str = ""
    sex: str = Sex.UNSTATED
    date_of_birth: date | None = None
    id_number: str = ""
    phone: str = ""
    address: str = ""
    occupation: str = ""
    skill_grade: str = ""
    union_member: bool = False
    migrant_worker: bool = False
    co_claimant_names: list[str] = field(default_factory=list)
    # my employer
    employer_name: str = ""
    credit_code: str = ""
    employer_address: str = ""
    legal_representative: str = ""
    employer_phone: str = ""
    district: str = ""
    industrial_chain: str = ""
    # what happened and when
    category_codes: list[str] = field(default_factory=list)
    facts: str = ""
    employment_start: date | None = None
    employment_end: date | None = None
    knew_date: date | None = None
    injury_date: date | None = None
    # what I claim
    claims: list[ClaimItem] = field(default_factory=list)
    # consent
    consent_union_handling: bool = False
    consent_employer_disclosure: bool = False
    # how it came in
    channel: str = Channel.WEB
    hotline_ticket: str = ""


def _max_text() -> int:
    return settings.RIGHTSDESK["MAX_TEXT_LENGTH"]


def _active_categories(codes) -> dict[str, int]:
    """The active categories among these codes: code → primary key (one query)."""
    if not codes:
        return {}
    return dict(
        Category.objects.filter(code__in=codes, active=True).order_by().values_list("code", "pk")
    )


def _known_categories(codes) -> dict[str, int]:
    """The same from the process-local copy of the active categories (no query): the filing's
    links are inserted only for categories still active in the database (`_category_links`),
    so a copy a moment out of date cannot let an inactive one through."""
    wanted = set(codes)
    return {c.code: c.pk for c in active_categories() if c.code in wanted}


def _category_links(case: Case, categories: dict[str, int]) -> tuple[str, list] | None:
    """The INSERT … SELECT linking a new case to these categories (it has no links yet), each
    only if the database still holds it active under that code; it returns the ids linked,
    which `_check_links` compares with those asked for."""
    if not categories:
        return None
    quote = transaction.get_connection().ops.quote_name
    links = quote(Case.categories.through._meta.db_table)
    codes = sorted(categories)
    sql = (
        f"INSERT INTO {links} ({quote('case_id')}, {quote('category_id')}) "  # noqa: S608 - names from the models
        f"SELECT %s, {quote('id')} FROM {quote(Category._meta.db_table)} "
        f"WHERE {quote('active')} = %s AND {quote('code')} IN ({', '.join(['%s'] * len(codes))}) "
        f"RETURNING {quote('category_id')}"
    )
    return sql, [case.pk, True, *codes]


def _check_links(categories: dict[str, int], linked_rows: list[tuple]) -> None:
    """A category the process-local copy still had but the database no longer has active
    refuses the filing as an unknown category would (IntakeInvalid, and the transaction is
    rolled back)."""
    if {row[0] for row in linked_rows} != set(categories.values()):
        raise IntakeInvalid({"category_codes": [_("Please choose from the list.")]})


def intake_errors(
    data: IntakeData, *, today: date | None = None, categories: dict[str, int] | None = None
) -> dict[str, list]:
    """Every problem with a filing, by field; empty when it can be filed. `categories` (the
    result of `_active_categories` for the filing's codes) saves looking them up again."""
    today = today or timezone.localdate()
    errors: dict[str, list] = {}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    short_fields = {
        "worker_name": 100,
        "address": 300,
        "occupation": 100,
        "employer_name": 200,
        "employer_address": 300,
        "legal_representative": 100,
        "employer_phone": 40,
        "district": 50,
        "hotline_ticket": 40,
        "phone": 40,
        "id_number": 18,
    }
    for name, limit in short_fields.items():
        if len(getattr(data, name) or "") > limit:
            add(name, _("At most %(limit)d characters.") % {"limit": limit})
    if not data.worker_name.strip():
        add("worker_name", _("Please give your name."))
    if data.sex not in Sex.values:
        add("sex", _("Please choose from the list."))
    if data.skill_grade and data.skill_grade not in SkillGrade.values:
        add("skill_grade", _("Please choose from the list."))
    if data.id_number and not is_valid_id_number(data.id_number):
        add("id_number", _("This is not a valid resident ID number."))
    phone = (data.phone or "").replace(" ", "")
    if phone and not phone.replace("-", "").isdigit():
        add("phone", _("A phone number has digits only."))
    if data.date_of_birth and data.date_of_birth >= today:
        add("date_of_birth", _("The date of birth must be in the past."))
    if len(data.co_claimant_names) > 500:
        add("co_claimant_names", _("At most 500 co-workers can be listed on one grievance."))
    if any(len(n) > 100 for n in data.co_claimant_names):
        add("co_claimant_names", _("At most %(limit)d characters.") % {"limit": 100})

    if not data.employer_name.strip():
        add("employer_name", _("Please give the employer's name."))
    if data.credit_code and not is_valid_credit_code(data.credit_code):
        add(
            "credit_code",
            _(
                "The unified social credit code must be 18 characters and its last character must match the check digit."
            ),
        )
    if data.industrial_chain and data.industrial_chain not in IndustrialChain.values:
        add("industrial_chain", _("Please choose from the list."))

    if not data.category_codes:
        add("category_codes", _("Please choose at least one kind of problem."))
    else:
        if categories is None:
            categories = _active_categories(data.category_codes)
        if set(categories) != set(data.category_codes):
            add("category_codes", _("Please choose from the list."))
    if not data.facts.strip():
        add("facts", _("Please tell us what happened."))
    elif len(data.facts) > _max_text():
        add("facts", _("At most %(limit)d characters.") % {"limit": _max_text()})
    for name in ("employment_start", "employment_end", "knew_date", "injury_date"):
        value = getattr(data, name)
        if value and value > today:
            add(name, _("This date cannot be in the future."))
    if (
        data.employment_start
        and data.employment_end
        and data.employment_end < data.employment_start
    ):
        add("employment_end", _("The end of employment cannot be before its start."))

    if len(data.claims) > 50:
        add("claims", _("At most 50 claims can be listed."))
    for claim in data.claims:
        if not claim.item.strip() or len(claim.item) > 200:
            add("claims", _("Each claim needs a short description (at most 200 characters)."))
            break
        if claim.amount not in (None, ""):
            try:
                amount = Decimal(str(claim.amount))
            except InvalidOperation:
                add("claims", _("Amounts are numbers, such as 3000 or 3000.50."))
                break
            # NaN and Infinity parse as Decimals; NaN would make the comparisons below raise.
            if (
                not amount.is_finite()
                or amount < 0
                or amount >= Decimal("1e12")
                or amount != amount.quantize(Decimal("0.01"))
            ):
                add("claims", _("Amounts are numbers, such as 3000 or 3000.50."))
                break
        if claim.period_start and claim.period_end and claim.period_end < claim.period_start:
            add("claims", _("A claim's period cannot end before it starts."))
            break

    if not data.consent_union_handling:
        add(
            "consent_union_handling",
            _("The union can only take up your grievance with your consent."),
        )
    if data.channel not in Channel.values:
        add("channel", _("Please choose from the list."))
    return errors


def _build_routing() -> tuple[list, list[tuple], tuple | None]:
    """The organisations filings are routed to, as rows: the district unions in tree order and
    the city federation at the top."""
    names = [f.attname for f in Organisation._meta.concrete_fields]
    districts = list(
        Organisation.objects.filter(kind=OrganisationKind.DISTRICT_UNION)
        .order_by("path")
        .values_list(*names)
    )
    root = (
        Organisation.objects.filter(kind=OrganisationKind.CITY_FEDERATION, parent=None)
        .order_by("pk")
        .values_list(*names)
        .first()
    )
    return names, districts, root


# Every filing is routed: a process-local copy of the rows, rebuilt after an edit.
_routing = LocalCopy("casework:routing-version", _build_routing)
_routing.invalidate_on_change(Organisation, "casework_routing_organisation")


def route_owning_org(district: str) -> Organisation:
    """The union that receives a worker's filing: the district union of the employer's district,
    otherwise the city federation at the top of the tree. (A new instance from the
    process-local copy of the routing rows.)"""
    names, districts, root = _routing.get()
    district = (district or "").strip()
    if district:
        region, name_zh, name_en = (names.index(n) for n in ("region", "name_zh", "name_en"))
        for row in districts:
            if (
                district in row[region]
                or district in row[name_zh]
                or district.lower() in row[name_en].lower()
            ):
                return Organisation.from_db("default", names, row)
    if root is None:
        raise DomainError(_("No union is configured to receive grievances yet."))
    return Organisation.from_db("default", names, root)


def next_reference(*, year: int | None = None) -> str:
    """CZ-2026-000123: region prefix, year of filing, six-digit serial (glossary §1.5)."""
    prefix = settings.RIGHTSDESK["REFERENCE_PREFIX"]
    year = year or timezone.localdate().year
    # One statement: the increment takes the counter row's lock (held until the filing's
    # transaction ends, so serials are never handed out twice) and returns the new value.
    serial = _increment_counter(prefix, year)
    if serial is None:  # the first filing of the year: make the row (racing makers meet at
        ReferenceCounter.objects.get_or_create(prefix=prefix, year=year)  # the unique key)
        serial = _increment_counter(prefix, year)
    return f"{prefix}-{year}-{serial:06d}"


def _increment_counter(prefix: str, year: int) -> int | None:
    connection = transaction.get_connection()
    meta = ReferenceCounter._meta
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {quote('last')} = {quote('last')} + 1 "  # noqa: S608 - names from the model
            f"WHERE {quote('prefix')} = %s AND {quote('year')} = %s RETURNING {quote('last')}",
            [prefix, year],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _pending_reference() -> str:
    """A unique stand-in for the reference while the filing is written (never seen outside
    its transaction): the serial is taken last, see `_assign_reference`."""
    return f"~{secrets.token_hex(8)}"


def _assign_reference(written: _Written, *, save: bool = True) -> str:
    """Give a new case its reference among the filing's last writes, then index its terms (the
    reference, the workers' and the employer's names, the credit code: one INSERT). Taking the
    serial locks the year's counter row until the transaction ends, and every filing needs that
    row: taken first, it would make concurrent filings wait for each other's whole transaction;
    taken last, only for the few statements before the commit. Serials stay without gaps (a
    filing that fails takes none). `save=False`: only set on the case, whose UPDATE follows
    (the submit's, see `case_file`); the terms are then written by `_index_terms`."""
    case = written.case
    reference = next_reference()
    case.reference = reference
    if save:
        Case.objects.filter(pk=case.pk).update(reference=reference)
        _index_terms(written)
    return reference


def _index_terms(written: _Written) -> None:
    case = written.case
    case_search_add(
        case=case, workers=written.workers, employers=[written.employer], reference=case.reference
    )


def new_receipt_code() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


def normalise_receipt_code(code: str) -> str:
    """Upper or lower case, with or without hyphens or spaces; O read as 0, I and L as 1."""
    cleaned = "".join(c for c in (code or "").upper() if c.isalnum())
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"}))


def receipt_digest(code: str) -> str:
    return lookup_digest("receipt", normalise_receipt_code(code))


def receipt_lookup(code: str) -> Case | None:
    """The case a receipt code belongs to, or None. The code itself is never stored: the keyed
    digest is, and the found row's digest is compared again in constant time."""
    normalised = normalise_receipt_code(code)
    if len(normalised) != RECEIPT_LENGTH:
        return None
    digest = lookup_digest("receipt", normalised)
    case = Case.objects.select_related("owning_org").filter(receipt_digest=digest).first()
    if case is None or not digests_equal(case.receipt_digest, digest):
        return None
    return case


@dataclass
class _Written:
    """A filing's rows as `_write_filing` wrote them."""

    case: Case
    receipt: str | None
    workers: list[Worker]
    employer: Employer
    category_ids: frozenset[int]
    consent_scopes: frozenset[str]


def _employer_for(data: IntakeData) -> Employer:
    code = data.credit_code.strip().upper()
    if code:
        existing = Employer.objects.filter(credit_code=code).order_by("pk").first()
        if existing is not None:
            return existing
    return Employer.objects.create(
        name=data.employer_name.strip(),
        credit_code=code,
        address=data.employer_address.strip(),
        legal_representative=data.legal_representative.strip(),
        phone=data.employer_phone.strip(),
        district=data.district.strip(),
        industrial_chain=data.industrial_chain,
    )


def _write_filing(
    *,
    data: IntakeData,
    filed_by,
    staff,
    owning_org: Organisation,
    anonymous: bool,
    categories: dict[str, int],
) -> _Written:
    """The rows of a filing (worker, employer, case, parties, claims, consents), not yet
    submitted, without its audit event, its reference or its search terms: shared by
    `case_file` and `case_draft_create`."""
    worker = Worker.objects.create(
        user=filed_by,
        name=data.worker_name.strip(),
        sex=data.sex,
        date_of_birth=data.date_of_birth,
        id_number=data.id_number.strip().upper(),
        id_number_digest=Worker.digest_for(data.id_number),
        phone=data.phone.strip(),
        address=data.address.strip(),
        occupation=data.occupation.strip(),
        skill_grade=data.skill_grade,
        union_member=data.union_member,
        migrant_worker=data.migrant_worker,
    )
    employer = _employer_for(data)
    receipt = new_receipt_code() if anonymous else None
    co_claimants = [n.strip() for n in data.co_claimant_names if n.strip()]
    case = Case.objects.create(
        reference=_pending_reference(),
        channel=data.channel,
        owning_org=owning_org,
        filed_by=filed_by,
        facts=data.facts.strip(),
        employment_start=data.employment_start,
        employment_end=data.employment_end,
        knew_date=data.knew_date,
        injury_date=data.injury_date,
        hotline_ticket=data.hotline_ticket.strip(),
        primary_worker=worker,
        primary_employer=employer,
        claimant_count=1 + len(co_claimants),
        receipt_digest=receipt_digest(receipt) if receipt else None,
    )
    # Its audit chain is new too, and no other transaction can see the case before this one
    # commits: the first event needs neither the chain's lock nor a read of its head.
    case._audit_chain_is_new = True
    parties = [
        CaseParty(case=case, role=PartyRole.CLAIMANT, worker=worker),
        CaseParty(case=case, role=PartyRole.RESPONDENT, employer=employer),
    ]
    # The co-workers named with the filing: one INSERT however many.
    for co_worker in Worker.objects.bulk_create([Worker(name=name) for name in co_claimants]):
        parties.append(CaseParty(case=case, role=PartyRole.CLAIMANT, worker=co_worker))
    claims = [
        Claim(
            case=case,
            item=c.item.strip(),
            amount=Decimal(str(c.amount)) if c.amount not in (None, "") else None,
            period_start=c.period_start,
            period_end=c.period_end,
        )
        for c in data.claims
    ]
    method = ConsentMethod.PAPER if staff is not None else ConsentMethod.ONLINE
    consent_by = staff or filed_by
    consents = []
    if data.consent_union_handling:
        consents.append(
            ConsentRecord(
                case=case, scope=ConsentScope.UNION_HANDLING, method=method, granted_by=consent_by
            )
        )
    if data.consent_employer_disclosure:
        consents.append(
            ConsentRecord(
                case=case,
                scope=ConsentScope.EMPLOYER_DISCLOSURE,
                method=method,
                granted_by=consent_by,
            )
        )
    # A new case has no categories yet: the links are inserted, not compared with any. They,
    # the parties, the claims and the consents need nothing back: one round trip (batch.py).
    _check_links(
        categories, run_together(_category_links(case, categories), parties, claims, consents)
    )
    written = _Written(
        case=case,
        receipt=receipt,
        workers=[p.worker for p in parties if p.worker is not None],
        employer=employer,
        category_ids=frozenset(categories.values()),
        consent_scopes=frozenset(c.scope for c in consents),
    )
    return written


@transaction.atomic
def case_file(
    *,
    data: IntakeData,
    filed_by=None,
    staff=None,
    owning_org: Organisation | None = None,
    anonymous: bool = False,
    then: Callable[[], None] | None = None,
) -> tuple[Case, str | None]:
    """File and submit a grievance (DESIGN §2: draft → submitted). Returns the case and, for an
    anonymous filing, the receipt code — shown once, never stored.

    `filed_by` is the worker's account; `staff` a caseworker recording a walk-in or hotline
    intake for their union (who then files on the worker's behalf, with consent recorded on
    paper). No IP address or browser string is stored for anyone.

    `then` is called last, inside the filing's transaction, for a caller's write that must
    commit with the filing or not at all (the web form deletes the worker's draft from the
    session: the draft is gone exactly when the grievance is filed, in one commit).
    """
    # the submit transition is the one in transitions.py
    from .transitions import NewFiling, case_submit

    categories = _known_categories(data.category_codes)
    errors = intake_errors(data, categories=categories)
    if errors:
        raise IntakeInvalid(errors)
    if anonymous and filed_by is not None:
        filed_by = None
    if owning_org is None:
        owning_org = route_owning_org(data.district)

    written = _write_filing(
        data=data,
        filed_by=filed_by,
        staff=staff,
        owning_org=owning_org,
        anonymous=anonymous,
        categories=categories,
    )
    case, receipt = written.case, written.receipt

    from ..permissions import ReceiptHolder

    actor = staff or filed_by or ReceiptHolder(case.pk)
    filed = audit_record(
        verb="filed",
        actor=actor,
        actor_kind="staff" if staff else "worker",
        case=case,
        payload={
            "channel": data.channel,
            "anonymous": anonymous,
            "claimants": case.claimant_count,
            "categories": sorted(data.category_codes),
        },
        worker_visible=True,
    )
    # The case and its rows were written above, by this transaction: the submit neither locks
    # nor reads them again (see transitions._transition), and its UPDATE of the case carries
    # the reference, whose serial is taken just before it.
    written.case = case_submit(
        case=case,
        user=actor,
        new_filing=NewFiling(
            category_ids=written.category_ids,
            consent_scopes=written.consent_scopes,
            audit_head=filed.hash,
            before_save=lambda _case: _assign_reference(written, save=False),
        ),
    )
    if written.case.reference.startswith("~"):
        # The submit wrote nothing (a stand-in for it that keeps a draft, as the tests' draft
        # factory does): the reference as its own last write.
        _assign_reference(written)
    else:
        _index_terms(written)
    if then is not None:
        then()
    return written.case, receipt


@transaction.atomic
def case_draft_create(*, data: IntakeData, staff, owning_org: Organisation | None = None) -> Case:
    """Save a walk-in or phone intake as a draft (草稿) without sending it: a caseworker has
    recorded what the worker said, and the worker's signed consent to union handling may still
    be missing. Everything else must already be valid. The case stays in `draft` until it is
    submitted with `case_submit`, whose guard then requires that consent (DESIGN §2)."""
    from ..errors import Forbidden
    from ..permissions import principal_for

    categories = _known_categories(data.category_codes)
    errors = intake_errors(data, categories=categories)
    errors.pop("consent_union_handling", None)
    if errors:
        raise IntakeInvalid(errors)
    if owning_org is None:
        owning_org = route_owning_org(data.district)
    principal = principal_for(staff)
    if owning_org.pk not in principal.union_org_ids and not principal.in_supervised_subtree(
        owning_org.path
    ):
        raise Forbidden()
    written = _write_filing(
        data=data,
        filed_by=None,
        staff=staff,
        owning_org=owning_org,
        anonymous=False,
        categories=categories,
    )
    case = written.case
    audit_record(
        verb="draft_saved",
        actor=staff,
        actor_kind="staff",
        case=case,
        payload={
            "channel": data.channel,
            "claimants": case.claimant_count,
            "categories": sorted(data.category_codes),
        },
    )
    from .deadlines import case_deadlines_recompute  # filing is recomputed by case_submit

    case_deadlines_recompute(case)
    _assign_reference(written)
    return case
