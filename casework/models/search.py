from django.db import models

BTREE_INDEX = "search_term_idx"


class SearchKind(models.TextChoices):
    """What a search term is: the case reference, an employer's credit code, or the name of a
    worker or employer. Only names are searched inside (by trigram); references and credit codes
    are matched exactly or by their start."""

    REFERENCE = "ref", "reference"
    CREDIT_CODE = "code", "credit code"
    NAME = "name", "name"


class CaseSearchTerm(models.Model):
    """The staff search index: one row per case and normalised term (its reference, the names
    of its workers and employers, the employers' credit codes), written by
    `casework.services.search` wherever those change and read by `casework.selectors.search`.

    Besides the B-tree index below (exact and prefix matches), names have a trigram index of
    their `grams` that Django cannot declare: an FTS5 table kept in step by triggers on SQLite,
    a GIN pg_trgm index on PostgreSQL (migration 0006). A purge writes a case's terms afresh
    from what the stripped case still holds (its reference and employer), so no purged name
    stays in the index."""

    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="search_terms")
    kind = models.CharField(max_length=4, choices=SearchKind.choices)
    term = models.TextField()
    # Names only: the term's character pairs, space-separated with a space at each end
    # (" 王小 小明 "), which the trigram index holds instead of the term itself. A query of n ≥ 2
    # characters is a run of n - 1 pairs (" 小明"), at least 3 characters long: so 2-character
    # queries (many Chinese names, 纺织 in an employer's name) are served by a trigram index too.
    grams = models.TextField(blank=True, default="")

    class Meta:
        indexes = [
            # text_pattern_ops: PostgreSQL serves LIKE 'prefix%' from it whatever the collation
            # (other backends ignore operator classes).
            models.Index(fields=["term"], name=BTREE_INDEX, opclasses=["text_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.term}"


# --- the trigram index of names, which Django cannot declare ----------------------------------
# Written here once for migration 0006 and for the bulk rebuild (casework.services.search), which
# drops and recreates it around its INSERT … SELECT.

# Names are literal below (no string building): the table is casework_casesearchterm.

# Contentless: the FTS5 table keeps only the index (the grams live in casework_casesearchterm,
# joined by rowid = id); the triggers hand it each name's grams as they are written or deleted.
SQLITE_FTS_TABLE = (
    "CREATE VIRTUAL TABLE casework_casesearchterm_fts "
    "USING fts5(grams, content='', tokenize='trigram')"
)
SQLITE_TRIGGERS = [
    """CREATE TRIGGER casework_casesearchterm_ai AFTER INSERT ON casework_casesearchterm
    WHEN new.kind = 'name' BEGIN
        INSERT INTO casework_casesearchterm_fts(rowid, grams) VALUES (new.id, new.grams);
    END""",
    """CREATE TRIGGER casework_casesearchterm_ad AFTER DELETE ON casework_casesearchterm
    WHEN old.kind = 'name' BEGIN
        INSERT INTO casework_casesearchterm_fts(casework_casesearchterm_fts, rowid, grams)
        VALUES ('delete', old.id, old.grams);
    END""",
    """CREATE TRIGGER casework_casesearchterm_au AFTER UPDATE ON casework_casesearchterm BEGIN
        INSERT INTO casework_casesearchterm_fts(casework_casesearchterm_fts, rowid, grams)
        SELECT 'delete', old.id, old.grams WHERE old.kind = 'name';
        INSERT INTO casework_casesearchterm_fts(rowid, grams)
        SELECT new.id, new.grams WHERE new.kind = 'name';
    END""",
]
SQLITE_TRIGGERS_DROP = [
    "DROP TRIGGER IF EXISTS casework_casesearchterm_ai",
    "DROP TRIGGER IF EXISTS casework_casesearchterm_ad",
    "DROP TRIGGER IF EXISTS casework_casesearchterm_au",
]
SQLITE_FTS_DROP = "DROP TABLE IF EXISTS casework_casesearchterm_fts"
SQLITE_FTS_MATCH = (
    "SELECT rowid FROM casework_casesearchterm_fts WHERE casework_casesearchterm_fts MATCH %s"
)

POSTGRESQL_EXTENSION = "CREATE EXTENSION IF NOT EXISTS pg_trgm"
POSTGRESQL_TRGM_INDEX = (
    "CREATE INDEX casework_casesearchterm_trgm ON casework_casesearchterm "
    "USING gin (grams gin_trgm_ops) WHERE kind = 'name'"
)
POSTGRESQL_TRGM_DROP = "DROP INDEX IF EXISTS casework_casesearchterm_trgm"


def trigram_index_create(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in [SQLITE_FTS_TABLE, *SQLITE_TRIGGERS]:
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_EXTENSION)
        schema_editor.execute(POSTGRESQL_TRGM_INDEX)


def trigram_index_drop(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in [*SQLITE_TRIGGERS_DROP, SQLITE_FTS_DROP]:
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_TRGM_DROP)
