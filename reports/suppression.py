"""Small-count suppression (DESIGN §6): the one place where report figures become printable.

The aggregate queries (`reports.aggregates`) do not return numbers: they return the cells below,
each knowing how many grievances stand behind it. `suppress()` turns the whole tree into plain
JSON-serialisable data, and it is the only way out — the dashboard, the CSV and XLSX exports
and the API all print what `reports.selectors.report_data` returns, which has been through here.
A bare number in the tree is refused (TypeError), so a figure cannot slip past by accident.

The rules (THRESHOLD = 5):

- a count under 5 — zero included, so that "none" and "a few" cannot be told apart — prints as
  "<5";
- a figure computed over fewer than 5 grievances (a sum of amounts, a median time) prints as
  "<5": a median of three cases or the amount recovered for two workers describes those workers;
- a rate prints only when both what it counts and what it leaves out are 5 or more: 100 % of
  12 referrals would reveal that none was declined, 10 % of 20 that 2 were accepted;
- complementary suppression: where the cells of a column add up to a total that is shown (cases
  by state add up to the cases opened; amounts by chain add up to the total amount), a single
  suppressed cell could be worked out as the total minus the others. When exactly one cell of
  such a column is suppressed, the next smallest shown cell is suppressed too, so what can be
  worked out is only the sum of two cells, never one of them. Categories are not such a column
  (a grievance can have several), and neither are different tables against each other (their
  rows are not cross-tabulated).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

THRESHOLD = 5
SUPPRESSED = "<5"


@dataclass
class Count:
    """A number of grievances (or of workers, referrals, deadlines)."""

    n: int
    hidden: bool = False

    @property
    def weight(self) -> int:
        return self.n

    def value(self):
        return self.n


@dataclass
class Amount:
    """A sum of money over `cases` grievances, in yuan."""

    total: Decimal | None
    cases: int
    hidden: bool = False

    @property
    def weight(self) -> int:
        return self.cases

    def value(self):
        return f"{(self.total or Decimal(0)).quantize(Decimal('0.01'))}"


@dataclass
class Median:
    """A median time in days over `cases` grievances."""

    days: float | None
    cases: int
    hidden: bool = False

    @property
    def weight(self) -> int:
        return self.cases

    def value(self):
        return None if self.days is None else round(self.days, 1)


@dataclass
class Rate:
    """`part` out of `whole`, as a percentage."""

    part: int
    whole: int
    hidden: bool = False

    @property
    def weight(self) -> int:
        # What the rate would reveal: the counts on both sides of it.
        return min(self.part, self.whole - self.part)

    def value(self):
        return round(100 * self.part / self.whole, 1) if self.whole else None


Cell = Count | Amount | Median | Rate


@dataclass
class Partition:
    """The cells of one table column that add up to `total`, which is shown too."""

    total: Cell
    cells: list = field(default_factory=list)


def _apply_threshold(cell) -> None:
    if cell.weight < THRESHOLD:
        cell.hidden = True


def _complement(partition: Partition) -> None:
    if partition.total.hidden:
        return  # nothing to subtract from
    hidden = [c for c in partition.cells if c.hidden]
    shown = [c for c in partition.cells if not c.hidden]
    if len(hidden) == 1 and shown:
        min(shown, key=lambda c: c.weight).hidden = True


def _walk_cells(tree):
    if isinstance(tree, Cell):
        yield tree
    elif isinstance(tree, dict):
        for value in tree.values():
            yield from _walk_cells(value)
    elif isinstance(tree, list | tuple):
        for value in tree:
            yield from _walk_cells(value)


def _emit(tree):
    if isinstance(tree, Cell):
        return SUPPRESSED if tree.hidden else tree.value()
    if isinstance(tree, Partition):
        raise TypeError("partitions are listed beside the tables, not inside them")
    if isinstance(tree, dict):
        return {key: _emit(value) for key, value in tree.items()}
    if isinstance(tree, list | tuple):
        return [_emit(value) for value in tree]
    if isinstance(tree, bool) or tree is None or isinstance(tree, str):
        return tree
    # A bare number would be a figure that escaped suppression.
    raise TypeError(f"report figures must be cells, not {type(tree).__name__}: {tree!r}")


def suppress(tree, partitions: list[Partition] = ()) -> dict:
    """The report as plain data, every small figure printed as "<5" (rules above)."""
    for cell in _walk_cells(tree):
        _apply_threshold(cell)
    # Hiding a cell for one column can leave another column (sharing that cell) with a single
    # hidden cell: repeat until nothing changes.
    while True:
        before = sum(c.hidden for p in partitions for c in p.cells)
        for partition in partitions:
            _complement(partition)
        if sum(c.hidden for p in partitions for c in p.cells) == before:
            break
    return _emit(tree)
