"""Staff search: which cases a text names — by reference, worker name, employer name or unified
social credit code — answered from the search index (`CaseSearchTerm`), never by scanning cases.

What a query finds depends on its length, so that every query is served by an index:

- 2 characters or more: any name that contains it, and any reference, credit code or name
  that starts with it. Names are searched inside through a trigram index (FTS5 on SQLite,
  pg_trgm on PostgreSQL) of their character pairs (`search_grams`), which also answers
  2-character queries — many Chinese names, and 纺织 in a textile firm's name — that a trigram
  index of the names themselves could not; starts are matched on a B-tree;
- 1 character: a term that is exactly it (a one-character prefix or substring would name a
  large part of all cases and help nobody).

Both the index and the query are normalised alike (`search_normalise`): compatibility forms
folded (full-width ＣＺ is CZ), lower case, no whitespace.

The result is a filter on cases, to be applied to a gated queryset (`visible_cases`): search
never widens what a user sees.
"""

from __future__ import annotations

import unicodedata

from django.db import connection
from django.db.models import BooleanField, Expression, F, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL

from ..models import CaseSearchTerm, SearchKind
from ..models.search import SQLITE_FTS_MATCH

# Above every character a term can hold: `term >= q AND term < q + TOP` is "starts with q".
TOP = "\U0010ffff"


def search_normalise(text: str) -> str:
    """The form both terms and queries take. The bulk rebuild computes the same in SQL
    (casework.services.search)."""
    return "".join(unicodedata.normalize("NFKC", text or "").lower().split())


def _pairs(term: str) -> str:
    return " ".join(term[i : i + 2] for i in range(len(term) - 1))


def search_grams(term: str) -> str:
    """What the trigram index holds of a normalised name: its character pairs, space-separated,
    with a space at each end (" 王小 小明 "); empty below 2 characters."""
    return f" {_pairs(term)} " if len(term) >= 2 else ""


def _query_grams(term: str) -> str:
    """A query of n ≥ 2 characters as the run of n - 1 pairs a name containing it holds (" 小明");
    it cannot match across pairs: the spaces sit every third character."""
    return f" {_pairs(term)}"


def _prefix(term: str) -> Q:
    if connection.vendor == "postgresql":
        # LIKE 'prefix%' is served by the text_pattern_ops B-tree whatever the collation.
        return Q(term__startswith=term)
    # SQLite compares terms byte-wise (BINARY), in code point order: a range on the B-tree.
    return Q(term__gte=term, term__lt=term + TOP)


def _contains(term: str) -> Q:
    """Names containing the term (2 characters or more), through the trigram index."""
    grams = _query_grams(term)
    if connection.vendor == "sqlite":
        phrase = '"' + grams.replace('"', '""') + '"'
        # A constant statement; the phrase is a parameter.
        return Q(pk__in=RawSQL(SQLITE_FTS_MATCH, [phrase]))  # noqa: S611 # nosec B611
    # PostgreSQL: the partial GIN pg_trgm index on names' grams; elsewhere a scan of the terms.
    return Q(kind=SearchKind.NAME, grams__contains=grams)


# A Chinese firm's name is region + trade name (字号) + trade + legal form, e.g.
# 常州 + 恒远 + 碳纤维材料 + 有限公司. Only the trade name is rare: the pairs of 常州 or 有限公司
# occur in most names, and a trigram index answers a query made of them by reading nearly all
# of its entries. A long name is therefore looked up by its distinctive middle, and the whole
# query is then checked on those few candidates.
_REGIONS = ("江苏省", "江苏", "常州市", "常州", "武进区", "新北区", "天宁区", "钟楼区", "金坛区")
_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "分公司", "公司", "集团", "工厂", "厂")
_TRADES = (
    "人力资源服务", "劳务派遣", "建设工程", "建筑工程", "机械制造", "新能源科技", "碳纤维科技",
    "碳纤维材料", "新材料", "科技", "实业", "纺织", "物流", "贸易", "电子", "材料", "服饰",
)  # fmt: skip


def _distinctive(term: str) -> str:
    """The trade-name part of a firm's name (the whole term when nothing generic is found)."""
    core = term
    for affixes, strip in ((_REGIONS, str.removeprefix), (_FORMS, str.removesuffix)):
        for affix in affixes:
            shorter = strip(core, affix)
            if shorter != core:
                core = shorter
                break
    for trade in _TRADES:
        if core.endswith(trade) and len(core) > len(trade) + 1:
            core = core.removesuffix(trade)
            break
    return core if len(core) >= 2 else term


def _contains_long(term: str) -> Q:
    core = _distinctive(term)
    if core == term:
        return _contains(term)
    # The candidates named by the rare part, then the whole query on them (a LIKE on a few
    # rows of the index table, by their primary keys).
    return _contains(core) & Q(term__contains=term)


def matching_case_ids(text: str) -> QuerySet | None:
    """The ids of the cases whose index terms match `text` (a subquery), or None when the text
    holds nothing to search for."""
    term = search_normalise(text)
    if not term:
        return None
    match = Q(term=term) if len(term) == 1 else _prefix(term) | _contains_long(term)
    return CaseSearchTerm.objects.filter(match).values("case_id")


def few_matches(text: str, limit: int) -> bool:
    """Whether the search index holds at most `limit` terms matching `text`, so at most that
    many cases: one query that reads the index alone, and at most `limit` + 1 of its rows.

    On PostgreSQL only, where it decides how `case_search_q` fetches the matches. The planner
    cannot tell how many index terms a LIKE matches: a two-character name such as 许娟, which
    403 cases of 1,000,000 bear, was guessed at 41,554, and counting its cases by state then
    read the whole case table in parallel (270 ms, a quarter of it compiling the plan). Elsewhere
    False, without a query."""
    if connection.vendor != "postgresql":
        return False
    ids = matching_case_ids(text)
    return ids is not None and ids.order_by()[: limit + 1].count() <= limit


class _InArrayOf(Expression):
    """`<column> = ANY(ARRAY(<subquery>))` (PostgreSQL): the subquery runs once, as an InitPlan,
    and the planner takes its array for a handful of values — so it fetches the matching cases
    by primary key and sorts them, whatever it guesses of the subquery itself.

    With `id IN (subquery)` the planner estimates the matches from the LIKE patterns, and a
    LIKE is never guessed below 1 in 10,000 rows of the index: some 350 cases at 1,000,000
    whatever the query. For a page (ORDER BY created_at DESC LIMIT n) it then walks the whole
    date index looking for them where a reference or a credit code names one or two (6 s at
    1,000,000 cases). For many matches, though, fetching each by primary key is the slower
    way (a count of 125,000 matches: 3 s against 1.4 s), hence `few`."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str, subquery: QuerySet):
        super().__init__()
        self.column, self.subquery = F(column), Subquery(subquery)

    def get_source_expressions(self):
        return [self.column, self.subquery]

    def set_source_expressions(self, exprs):
        self.column, self.subquery = exprs

    def as_sql(self, compiler, connection):
        column, column_params = compiler.compile(self.column)
        subquery, subquery_params = compiler.compile(self.subquery)  # "(SELECT …)"
        return f"{column} = ANY(ARRAY{subquery})", (*column_params, *subquery_params)


def case_search_q(text: str, *, few: bool = False) -> Q:
    """A filter on cases: those that `text` names (see the module docstring). An empty text
    filters nothing.

    `few`: the caller knows the text matches few cases (the queue has counted them). On
    PostgreSQL they are then fetched by primary key (`_InArrayOf`); otherwise a plain IN leaves
    the database to choose (hash the matches, or walk an index in the page's order and stop
    after a page)."""
    ids = matching_case_ids(text)
    if ids is None:
        return Q()
    if connection.vendor == "postgresql" and few:
        return Q(_InArrayOf("pk", ids))
    return Q(pk__in=ids)
