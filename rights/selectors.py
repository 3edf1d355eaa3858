"""Reads of the category knowledge for a case: where each claim goes, on what legal basis, and
which evidence of the checklist is still missing. Each function costs a fixed number of queries
whatever the number of categories or checklist items (one, or two with the checklists)."""

from collections.abc import Collection
from dataclasses import dataclass, field

from django.db.models import Prefetch

from .forums import forum_label
from .local_copy import LocalCopy
from .models import Category, EvidenceItem


@dataclass(frozen=True)
class ForumLine:
    code: str
    label: str  # in the language active when the selector ran


@dataclass(frozen=True)
class CategoryForums:
    category: Category
    forums: list[ForumLine]
    legal_basis: str
    needs_local_confirmation: bool

    @property
    def primary_forum(self) -> ForumLine | None:
        return self.forums[0] if self.forums else None


@dataclass(frozen=True)
class ChecklistLine:
    item: EvidenceItem
    received: bool

    @property
    def still_needed(self) -> bool:
        return not self.received


@dataclass(frozen=True)
class EvidenceGap:
    category: Category
    item: EvidenceItem


@dataclass(frozen=True)
class CategoryPanel(CategoryForums):
    """One category of a case for the staff case page (templates/rights/_case_categories.html)."""

    checklist: list[ChecklistLine] = field(default_factory=list)

    @property
    def missing(self) -> list[EvidenceItem]:
        return [line.item for line in self.checklist if not line.received]


def _categories(case, *, with_evidence: bool):
    qs = Category.objects.filter(cases=case).order_by("sort_order", "code")
    if with_evidence:
        qs = qs.prefetch_related(
            Prefetch("evidence_items", queryset=EvidenceItem.objects.order_by("sort_order", "code"))
        )
    return list(qs)


def _forums(category: Category) -> list[ForumLine]:
    return [ForumLine(code, forum_label(code)) for code in category.forums or []]


def _received(category: Category, item: EvidenceItem, received_codes: Collection[str]) -> bool:
    """An upload may be tagged with the bare item code (a pay slip serves every category that
    asks for one) or with "CATEGORY:item" for one category only."""
    return item.code in received_codes or f"{category.code}:{item.code}" in received_codes


def case_forums(case) -> list[CategoryForums]:
    """Per category of the case, in taxonomy order: its forums (first = primary) and legal basis.
    One query."""
    return [
        CategoryForums(
            category=c,
            forums=_forums(c),
            legal_basis=c.legal_basis,
            needs_local_confirmation=c.needs_local_confirmation,
        )
        for c in _categories(case, with_evidence=False)
    ]


def evidence_gaps(case, received_codes: Collection[str] = frozenset()) -> list[EvidenceGap]:
    """The checklist items of the case's categories not among `received_codes` (evidence uploads
    come with a later issue, which passes the codes of what was uploaded). Two queries."""
    return [
        EvidenceGap(category=c, item=item)
        for c in _categories(case, with_evidence=True)
        for item in c.evidence_items.all()
        if not _received(c, item, received_codes)
    ]


def case_category_panels(
    case, received_codes: Collection[str] = frozenset(), *, categories=None
) -> list[CategoryPanel]:
    """Everything the "Categories, forums and evidence" section shows. Two queries, none when
    the caller passes the case's `categories` (in taxonomy order, evidence items prefetched)."""
    return [
        CategoryPanel(
            category=c,
            forums=_forums(c),
            legal_basis=c.legal_basis,
            needs_local_confirmation=c.needs_local_confirmation,
            checklist=[
                ChecklistLine(item=item, received=_received(c, item, received_codes))
                for item in c.evidence_items.all()
            ],
        )
        for c in (categories if categories is not None else _categories(case, with_evidence=True))
    ]


def _build_active_categories() -> list[Category]:
    return list(Category.objects.filter(active=True).order_by("sort_order", "code"))


_active_categories = LocalCopy("rights:categories-version", _build_active_categories)
_active_categories.invalidate_on_change(Category, "rights_category")


def active_categories() -> list[Category]:
    """The selectable categories in their order (a process-local copy, rebuilt after an edit)."""
    return _active_categories.get()


def _build_checklists() -> dict[int, Category]:
    categories = Category.objects.order_by("sort_order", "code").prefetch_related(
        Prefetch("evidence_items", queryset=EvidenceItem.objects.order_by("sort_order", "code"))
    )
    return {c.pk: c for c in categories}


_checklists = LocalCopy("rights:checklists-version", _build_checklists)
_checklists.invalidate_on_change(Category, "rights_checklist_category")
_checklists.invalidate_on_change(EvidenceItem, "rights_checklist_item")


def categories_with_checklists(category_ids) -> list[Category]:
    """These categories in taxonomy order, each with its evidence checklist prefetched, from a
    process-local copy of the taxonomy (rebuilt after an edit). Shared objects: read only."""
    by_id = _checklists.get()
    return sorted(
        (by_id[pk] for pk in set(category_ids) if pk in by_id),
        key=lambda c: (c.sort_order, c.code),
    )
