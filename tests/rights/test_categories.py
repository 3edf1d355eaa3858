"""Grievance categories as data: legal basis, forums and evidence checklists (domain.md §3.1,
§3.4–3.5; glossary §2.4, §2.14), their selectors, partial, admin and seeding."""

import importlib

import pytest
from django.apps import apps as global_apps
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from casework.services import case_file
from rights.forums import Forum
from rights.models import Category, EvidenceItem
from rights.selectors import case_category_panels, case_forums, evidence_gaps
from rights.taxonomy import ensure_categories
from tests.factories import IntakeDataFactory

pytestmark = pytest.mark.django_db

# The codes of domain.md §3.1, with SKILL.* expanded into its six leaves of §4.3.
DOMAIN_CODES = [
    "WAGE.ARREARS",
    "WAGE.MINIMUM",
    "WAGE.OVERTIME",
    "WAGE.PROBATION",
    "CONTRACT.NO_WRITTEN",
    "CONTRACT.OPEN_ENDED",
    "CONTRACT.ILLEGAL_PROBATION",
    "CONTRACT.CHANGE",
    "CONTRACT.SERVICE_PERIOD",
    "CONTRACT.NONCOMPETE",
    "TERM.ECON_COMP",
    "TERM.NOTICE_PAY",
    "TERM.UNLAWFUL",
    "TERM.WORKER_RESIGN_FOR_CAUSE",
    "TERM.MASS_LAYOFF",
    "TERM.PROTECTED",
    "TERM.PAPERS",
    "SI.ARREARS",
    "SI.LOSS",
    "SI.RESIGN",
    "INJURY.RECOGNITION",
    "INJURY.ASSESSMENT",
    "INJURY.BENEFITS",
    "INJURY.OCC_DISEASE",
    "HOURS.EXCESS",
    "LEAVE.ANNUAL",
    "LEAVE.FEMALE",
    "REL.CONFIRM",
    "REL.DISPATCH",
    "REL.SUBCONTRACT",
    "SAFETY.CONDITIONS",
    "UNION.RETALIATION",
    "COLLECTIVE.CONTRACT",
    "SKILL.ASSESSMENT_PROCESS",
    "SKILL.GRADE_PAY",
    "SKILL.POST_APPOINTMENT",
    "SKILL.CERT_WITHHELD",
    "SKILL.TRAINING_PENALTY",
    "SKILL.INCOMPETENCE_DISMISSAL",
    "OTHER",
]


def _case(codes):
    case, _ = case_file(data=IntakeDataFactory(category_codes=codes), anonymous=True)
    return case


def _snapshot():
    return (
        list(
            Category.objects.order_by("code").values_list(
                "code", "legal_basis_zh", "legal_basis_en", "forums", "needs_local_confirmation"
            )
        ),
        list(
            EvidenceItem.objects.order_by("category__code", "code").values_list(
                "category__code", "code", "label_zh", "label_en", "required", "sort_order"
            )
        ),
    )


# --- the data ------------------------------------------------------------------------------------


def test_every_category_of_the_domain_taxonomy_exists_with_a_forum_and_a_legal_basis():
    # given the categories the migrations loaded
    categories = {c.code: c for c in Category.objects.all()}

    # then every code of domain.md §3.1 is there, routed and with its legal basis in both languages
    assert set(DOMAIN_CODES) <= set(categories)
    for code in DOMAIN_CODES:
        c = categories[code]
        assert c.forums, code
        assert all(f in Forum.values for f in c.forums), code
        assert c.legal_basis_zh and c.legal_basis_en, code


def test_legal_basis_is_stored_in_the_screen_form_of_glossary_1_7():
    # given the economic-compensation category
    c = Category.objects.get(code="TERM.ECON_COMP")

    # then the Chinese uses the short title in 《》 and Arabic article numbers (第47条, not 第四十七条)
    assert c.legal_basis_zh.startswith("《劳动合同法》第46条、第47条")
    assert "四十七" not in c.legal_basis_zh
    assert c.legal_basis_en.startswith("Labour Contract Law Art. 46, 47")


def test_unpaid_contributions_go_to_the_social_insurance_agency_not_to_arbitration():
    # given SI.ARREARS (domain.md §3.5: back-payment is an administrative collection matter)
    c = Category.objects.get(code="SI.ARREARS")

    # then the primary forum is the social-insurance agency and arbitration is not a forum
    assert c.forums[0] == Forum.SI_AGENCY
    assert Forum.ARBITRATION not in c.forums
    # while lost benefits (SI.LOSS) do go to arbitration
    assert Category.objects.get(code="SI.LOSS").forums == [Forum.ARBITRATION]


def test_work_injury_recognition_goes_to_the_social_insurance_administration():
    # given the work-injury categories (domain.md §3.4)
    forums = dict(Category.objects.filter(code__startswith="INJURY.").values_list("code", "forums"))

    # then recognition goes to the administration, the grade to the committee, benefits to arbitration
    assert forums["INJURY.RECOGNITION"] == [Forum.SI_ADMINISTRATION]
    assert forums["INJURY.ASSESSMENT"] == [Forum.ASSESSMENT_COMMITTEE]
    assert forums["INJURY.BENEFITS"] == [Forum.ARBITRATION]
    assert Forum.SI_ADMINISTRATION in forums["INJURY.OCC_DISEASE"]


def test_every_category_has_an_evidence_checklist_with_a_required_item():
    # given all categories and their checklists
    for c in Category.objects.prefetch_related("evidence_items"):
        items = list(c.evidence_items.all())

        # then each has at least one item, one of them required, every label in both languages
        assert items, c.code
        assert any(i.required for i in items), c.code
        assert all(i.label_zh and i.label_en for i in items), c.code


def test_wage_arrears_and_injury_recognition_checklists_hold_the_usual_evidence():
    # given two checklists
    def codes(category):
        return set(
            EvidenceItem.objects.filter(category__code=category).values_list("code", flat=True)
        )

    # then they ask for what an arbitrator or the administration will want to see
    assert {"employment_proof", "pay_records", "attendance", "communications", "iou"} <= codes(
        "WAGE.ARREARS"
    )
    assert {
        "recognition_form",
        "accident_report",
        "medical_records",
        "employment_proof",
        "witness_statements",
    } <= codes("INJURY.RECOGNITION")


def test_a_category_refuses_an_unknown_forum_and_an_empty_forum_list():
    # given an active category
    c = Category.objects.get(code="WAGE.MINIMUM")
    before = list(c.forums)

    # when its forums are set to an unknown code, then to nothing
    c.forums = ["labour_bureau"]
    with pytest.raises(ValidationError):
        c.full_clean()
    c.forums = []
    with pytest.raises(ValidationError):
        c.full_clean()

    # then nothing was saved
    assert Category.objects.get(code="WAGE.MINIMUM").forums == before


# --- selectors -----------------------------------------------------------------------------------


def test_case_forums_gives_each_category_its_forums_and_legal_basis_in_the_current_language(world):
    # given a case about wage arrears and unpaid contributions
    case = _case(["SI.ARREARS", "WAGE.ARREARS"])

    # when its forums are read in English
    with translation.override("en"):
        rows = case_forums(case)

    # then they come in taxonomy order with English labels and the English legal basis
    assert [r.category.code for r in rows] == ["WAGE.ARREARS", "SI.ARREARS"]
    wage, si = rows
    assert [f.code for f in wage.forums] == ["arbitration_commission", "labour_inspection", "court"]
    assert wage.primary_forum.label == "labour dispute arbitration commission"
    assert [f.label for f in si.forums] == ["social-insurance agency", "tax authority"]
    assert si.legal_basis == "Social Insurance Law Art. 58, 63, 86"

    # and in Chinese the legal basis is the Chinese one
    with translation.override("zh-hans"):
        assert case_forums(case)[1].legal_basis == "《社会保险法》第58条、第63条、第86条"


def test_evidence_gaps_lists_the_items_not_received(world):
    # given a work-injury case where the form and the medical records have come in
    case = _case(["INJURY.RECOGNITION"])
    received = {"recognition_form", "INJURY.RECOGNITION:medical_records"}

    # when the gaps are read
    gaps = evidence_gaps(case, received_codes=received)

    # then every other checklist item is missing, and nothing received is listed
    codes = [g.item.code for g in gaps]
    assert "accident_report" in codes and "employment_proof" in codes
    assert "recognition_form" not in codes and "medical_records" not in codes
    all_items = EvidenceItem.objects.filter(category__code="INJURY.RECOGNITION").count()
    assert len(gaps) == all_items - 2
    # and without received codes, the whole checklist is a gap
    assert len(evidence_gaps(case)) == all_items


def test_a_category_scoped_received_code_counts_only_for_that_category(world):
    # given a case with two categories that both ask for pay records
    case = _case(["WAGE.ARREARS", "WAGE.OVERTIME"])

    # when pay records are received for the arrears only
    gaps = evidence_gaps(case, received_codes={"WAGE.ARREARS:pay_records"})

    # then the overtime checklist still lacks them
    missing = {(g.category.code, g.item.code) for g in gaps}
    assert ("WAGE.ARREARS", "pay_records") not in missing
    assert ("WAGE.OVERTIME", "pay_records") in missing


def test_the_selectors_cost_a_fixed_number_of_queries(world, django_assert_num_queries):
    # given a case with one category and a case with six
    small = _case(["WAGE.ARREARS"])
    large = _case(
        [
            "WAGE.ARREARS",
            "WAGE.OVERTIME",
            "TERM.UNLAWFUL",
            "SI.ARREARS",
            "INJURY.RECOGNITION",
            "SKILL.GRADE_PAY",
        ]
    )

    # then each selector costs the same whatever the number of categories and items
    for case in (small, large):
        with django_assert_num_queries(1):
            rows = case_forums(case)
            [f.label for r in rows for f in r.forums]
        with django_assert_num_queries(2):
            [g.item.label for g in evidence_gaps(case, received_codes={"pay_records"})]
        with django_assert_num_queries(2):
            panels = case_category_panels(case)
            [(line.item.label, line.received) for p in panels for line in p.checklist]
    assert len(case_category_panels(large)) == 6


# --- the partial ---------------------------------------------------------------------------------


def test_the_partial_shows_forums_legal_basis_and_what_is_still_needed(world):
    # given a wage-arrears case where the pay records have come in
    case = _case(["WAGE.ARREARS"])

    # when the section is read and rendered in English
    with translation.override("en"):
        panels = case_category_panels(case, received_codes={"pay_records"})
        html = render_to_string("rights/_case_categories.html", {"category_panels": panels})

    # then it names the forum, the legal basis and marks the missing and received items
    assert "Categories, forums and evidence" in html
    assert "labour dispute arbitration commission" in html
    assert "Labour Law Art. 50, 91" in html
    assert "Pay slips or bank wage records" in html
    assert "received" in html and "still needed" in html
    assert "4 items still needed" in html


def test_the_partial_says_so_when_the_case_has_no_category():
    # when rendered with nothing
    with translation.override("en"):
        html = render_to_string("rights/_case_categories.html", {"category_panels": []})

    # then it says there are no categories
    assert "No categories chosen." in html


# --- admin ---------------------------------------------------------------------------------------


def test_the_category_changelist_loads_and_filters_by_forum(admin_client):
    # when the changelist is opened, then filtered by the social-insurance agency
    url = reverse("admin:rights_category_changelist")
    page = admin_client.get(url)
    filtered = admin_client.get(url, {"forum": "si_agency"})

    # then both load; the filter keeps SI.ARREARS and drops arbitration-only categories
    assert page.status_code == 200
    assert filtered.status_code == 200
    shown = {c.code for c in filtered.context["cl"].result_list}
    assert "SI.ARREARS" in shown
    assert "TERM.ECON_COMP" not in shown


def _change_form_data(category):
    items = list(category.evidence_items.order_by("sort_order", "code"))
    data = {
        "code": category.code,
        "name_zh": category.name_zh,
        "name_en": category.name_en,
        "sort_order": category.sort_order,
        "worker_label_zh": category.worker_label_zh,
        "worker_label_en": category.worker_label_en,
        "legal_basis_zh": category.legal_basis_zh,
        "legal_basis_en": category.legal_basis_en,
        "forums": list(category.forums),
        "evidence_items-TOTAL_FORMS": str(len(items)),
        "evidence_items-INITIAL_FORMS": str(len(items)),
        "evidence_items-MIN_NUM_FORMS": "0",
        "evidence_items-MAX_NUM_FORMS": "1000",
    }
    if category.active:
        data["active"] = "on"
    if category.worker_selectable:
        data["worker_selectable"] = "on"
    if category.needs_local_confirmation:
        data["needs_local_confirmation"] = "on"
    for n, item in enumerate(items):
        prefix = f"evidence_items-{n}-"
        data.update(
            {
                prefix + "id": str(item.pk),
                prefix + "category": str(category.pk),
                prefix + "sort_order": str(item.sort_order),
                prefix + "code": item.code,
                prefix + "label_zh": item.label_zh,
                prefix + "label_en": item.label_en,
            }
        )
        if item.required:
            data[prefix + "required"] = "on"
        if item.needs_local_confirmation:
            data[prefix + "needs_local_confirmation"] = "on"
    return data


def test_the_category_change_page_loads_with_its_evidence_inline(admin_client):
    # given SI.ARREARS
    c = Category.objects.get(code="SI.ARREARS")

    # when its change page is opened
    page = admin_client.get(reverse("admin:rights_category_change", args=[c.pk]))

    # then it loads, with the checklist inline
    assert page.status_code == 200
    assert "evidence_items-TOTAL_FORMS" in page.content.decode()
    assert c.evidence_items.first().label_zh in page.content.decode()


def test_an_evidence_item_is_edited_in_the_category_inline_and_forum_order_is_kept(admin_client):
    # given TERM.PAPERS, whose primary forum is the inspectorate (before arbitration)
    c = Category.objects.get(code="TERM.PAPERS")
    assert c.forums == [Forum.LABOUR_INSPECTION, Forum.ARBITRATION]
    data = _change_form_data(c)
    item = c.evidence_items.order_by("sort_order").first()
    data["evidence_items-0-label_en"] = "Labour contract, badge or other proof of employment"
    data["evidence_items-0-required"] = ""
    data["forums"] = [Forum.ARBITRATION, Forum.LABOUR_INSPECTION, Forum.UNION]  # checkbox order

    # when the change form is posted
    response = admin_client.post(reverse("admin:rights_category_change", args=[c.pk]), data)

    # then the item changed, and the stored forum order kept with the new forum appended
    assert response.status_code == 302, response.context and response.context["errors"]
    item.refresh_from_db()
    assert item.label_en == "Labour contract, badge or other proof of employment"
    assert item.required is False
    c.refresh_from_db()
    assert c.forums == [Forum.LABOUR_INSPECTION, Forum.ARBITRATION, Forum.UNION]


def test_the_admin_refuses_an_active_category_without_a_forum_and_changes_nothing(admin_client):
    # given WAGE.PROBATION and its data
    c = Category.objects.get(code="WAGE.PROBATION")
    before = _snapshot()
    data = _change_form_data(c)
    data["forums"] = []
    data["legal_basis_en"] = "changed"

    # when it is posted without a forum
    response = admin_client.post(reverse("admin:rights_category_change", args=[c.pk]), data)

    # then the form is shown again and nothing changed
    assert response.status_code == 200
    assert "forums" in response.context["adminform"].form.errors
    assert _snapshot() == before


def test_the_evidence_item_admin_loads(admin_client):
    # when the evidence list and one item's page are opened
    item = EvidenceItem.objects.first()
    listing = admin_client.get(reverse("admin:rights_evidenceitem_changelist"))
    page = admin_client.get(reverse("admin:rights_evidenceitem_change", args=[item.pk]))

    # then both load
    assert listing.status_code == 200
    assert page.status_code == 200


# --- seeding -------------------------------------------------------------------------------------


def test_ensure_categories_and_the_data_migration_are_idempotent():
    # given the seeded data
    before = _snapshot()
    migration = importlib.import_module("rights.migrations.0003_fill_category_routing")

    # when ensure_categories and the data migration run again
    created = ensure_categories(Category)
    migration.fill(global_apps, None)
    migration.fill(global_apps, None)

    # then nothing was created or changed
    assert created == 0
    assert _snapshot() == before


def test_ensure_categories_leaves_admin_edits_alone():
    # given an edited legal basis and a deleted checklist item
    Category.objects.filter(code="WAGE.MINIMUM").update(legal_basis_en="edited locally")
    EvidenceItem.objects.filter(category__code="WAGE.MINIMUM", code="attendance").delete()
    before = _snapshot()

    # when ensure_categories runs
    ensure_categories(Category)

    # then the edits stand
    assert _snapshot() == before


def test_ensure_categories_restores_routing_and_checklists_after_they_are_wiped():
    # given the seeded data, then a flush-like wipe of the checklists and the new fields
    seeded = _snapshot()
    EvidenceItem.objects.all().delete()
    Category.objects.update(legal_basis_zh="", legal_basis_en="", forums=[])

    # when ensure_categories runs (as tests/conftest.py does after a flush)
    ensure_categories(Category)

    # then forums, legal basis and evidence are back as seeded
    assert _snapshot() == seeded


def test_ensure_categories_recreates_deleted_categories_with_everything():
    # given an empty category table (after a flush)
    seeded = _snapshot()
    Category.objects.all().delete()

    # when ensure_categories runs
    created = ensure_categories(Category)

    # then every category is back with its forums, legal basis and checklist
    assert created == len(seeded[0])
    assert _snapshot() == seeded
