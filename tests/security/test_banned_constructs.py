"""Constructs that switch off a Django safety net are banned outside an allow-list (security.md
matrix H2: "custom rules banning mark_safe, |safe, csrf_exempt, .extra(, RawSQL, HTML(string=f"…"),
bare get_objects_for_user("). Bandit and ruff's S rules flag some of these, but each accepts a
`# nosec`/`# noqa` on the line; this check accepts only what ALLOWED lists, file by file, with
the number of uses and the reason. A new use anywhere fails until it is added here with its
justification, and a use that goes away must be taken off (no stale allowance).

Python files are read with `ast` (comments and strings never match); templates by pattern.
"""

import ast
import re
from collections import Counter
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", "tests", "node_modules", "var", "staticfiles", "__pycache__", ".git"}

# Names whose every use (call, decorator, reference) is banned.
BANNED_NAMES = {
    "mark_safe": "marks a string safe: it is never escaped again",
    "SafeString": "a string that is never escaped again",
    "SafeText": "a string that is never escaped again",
    "csrf_exempt": "switches the CSRF check off",
    "RawSQL": "raw SQL in a queryset",
    "get_objects_for_user": "guardian's lists bypass the one permission gate",
}
TEMPLATE_PATTERNS = {
    "|safe": re.compile(r"\|\s*safe(seq)?\b"),
    "autoescape off": re.compile(r"\{%\s*autoescape\s+off\s*%\}"),
}

# (file, construct): (uses, justification). Keep each reason specific to the use.
ALLOWED: dict[tuple[str, str], tuple[int, str]] = {
    ("accounts/views_auth.py", "mark_safe"): (
        1,
        "the second-factor QR code: segno's SVG of the device's own otpauth URL, no user text",
    ),
    ("casework/templatetags/lists.py", "mark_safe"): (
        4,
        "the deadline cell, the queue's rows, assign_options' options and select_field's "
        "select: f-strings in which every value passes through escape() "
        "(tests/casework/test_list_tags.py)",
    ),
    ("casework/templatetags/case_page.py", "mark_safe"): (
        4,
        "the case page's timeline and thread items and its action forms: every value passes "
        "through escape() or conditional_escape() (a form's own bound fields and errors) in the "
        "same f-string, the rest is constant markup (tests/casework/test_case_page_tags.py)",
    ),
    ("casework/forms/widgets.py", "SafeString"): (
        6,
        "return annotations, an empty string, and the field wrapper joining parts each built "
        "with format_html/conditional_escape; help_text is the form's own constant text",
    ),
    ("api/views/pages.py", "csrf_exempt"): (
        1,
        "the API's catch-all 404: answers a problem to any method and changes nothing",
    ),
    ("casework/views/consent.py", "csrf_exempt"): (
        2,
        "paper consent and withdrawal upload a file: the size cap is set before the body is "
        "read, then csrf_protect runs inside the view (tests/security/test_csrf.py)",
    ),
    ("documents/views.py", "csrf_exempt"): (
        3,
        "the three evidence uploads: the gate and the size cap come before the body is read, "
        "then csrf_protect runs inside the view (tests/security/test_csrf.py)",
    ),
    ("casework/selectors/search.py", "RawSQL"): (
        1,
        "the FTS5 MATCH subquery on SQLite: a constant statement, the query as a parameter",
    ),
    ("casework/selectors/staff.py", "RawSQL"): (
        1,
        "a constant expression for open cases that the ORM cannot write, no parameters",
    ),
    ("casework/services/intake.py", "SQL built from strings"): (
        1,
        "the reference counter's UPDATE … RETURNING: table and column names quoted from the "
        "model's meta, the values as parameters",
    ),
    ("casework/audit.py", "SQL built from strings"): (
        1,
        "the chain's advisory lock and Django's own compiled read of its head joined into one "
        "string of two statements (PostgreSQL, client-side binding); every value bound",
    ),
    ("casework/services/search.py", "SQL built from strings"): (
        2,
        "the bulk index rebuild: a constant statement formatted with constant function names",
    ),
    ("reports/rollup.py", "SQL built from strings"): (
        8,
        "the rollup's rebuild and refresh in the database: table, column and index names from "
        "the models' meta and constant SQL fragments; every value (ids, months) bound",
    ),
    ("casework/demo/bulk.py", "SQL built from strings"): (
        2,
        "restoring two SQLite PRAGMAs to the integers read before the bulk seed",
    ),
    ("bench/intake_load.py", "SQL built from strings"): (
        1,
        "benchmark tooling, not deployed: CREATE DATABASE named by the operator's own argument",
    ),
    ("bench/memory.py", "SQL built from strings"): (
        1,
        "benchmark tooling, not deployed: CREATE DATABASE named by the operator's own argument",
    ),
    ("bench/run.py", "SQL built from strings"): (
        3,
        "benchmark tooling, not deployed: DROP/CREATE DATABASE of the benchmark's own name",
    ),
    ("templates/notifications/email/notice.txt", "autoescape off"): (
        1,
        "a plain-text email: HTML escaping would print &amp; to the reader; no HTML is sent",
    ),
}


def _dotted(node) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _built_string(node) -> bool:
    """An f-string, a %-format, a concatenation or a .format() call: text built at run time."""
    if isinstance(node, ast.JoinedStr | ast.BinOp):
        return True
    return isinstance(node, ast.Call) and _dotted(node.func) == "format"


def python_findings(source: str) -> Counter:
    found: Counter = Counter()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id in BANNED_NAMES:
            found[node.id] += 1
        elif isinstance(node, ast.Attribute) and node.attr in BANNED_NAMES:
            found[node.attr] += 1
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        if name == "extra" and isinstance(node.func, ast.Attribute):
            found[".extra("] += 1
        if name == "HTML" and any(
            k.arg == "string" and _built_string(k.value) for k in node.keywords
        ):
            found['HTML(string=f"…")'] += 1
        # Template source built from data: template injection (D9).
        if (
            name in {"Template", "from_string"}
            and node.args
            and not isinstance(node.args[0], ast.Constant)
        ):
            found["Template(<data>)"] += 1
        if name in {"raw", "execute"} and node.args and _built_string(node.args[0]):
            found["SQL built from strings"] += 1
    return found


def template_findings(text: str) -> Counter:
    return Counter(
        {name: len(p.findall(text)) for name, p in TEMPLATE_PATTERNS.items() if p.search(text)}
    )


def _files(root: Path):
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if not path.is_file() or SKIP_DIRS & set(parts[:-1]):
            continue
        if path.suffix == ".py" and "migrations" not in parts:
            yield path, python_findings(path.read_text(encoding="utf-8"))
        elif path.suffix in {".html", ".txt", ".xml"} and "templates" in parts:
            yield path, template_findings(path.read_text(encoding="utf-8"))


def scan(root: Path) -> dict[tuple[str, str], int]:
    out = {}
    for path, found in _files(root):
        for construct, n in found.items():
            out[str(path.relative_to(root)), construct] = n
    return out


def test_every_banned_construct_is_allowed_by_name_with_a_reason():
    found = scan(ROOT)
    unlisted = {k: n for k, n in found.items() if k not in ALLOWED}
    assert unlisted == {}, "a banned construct: remove it, or allow it here with the reason"
    changed = {k: (n, ALLOWED[k][0]) for k, n in found.items() if ALLOWED[k][0] != n}
    assert changed == {}, "(found, allowed) uses differ: update ALLOWED and its reason"
    stale = set(ALLOWED) - set(found)
    assert stale == set(), "allowed but no longer used: take it off ALLOWED"
    assert all(len(reason) >= 40 for _n, reason in ALLOWED.values())


def test_the_scan_finds_each_planted_construct(tmp_path):
    (tmp_path / "app" / "templates").mkdir(parents=True)
    (tmp_path / "app" / "views.py").write_text(
        "from django.utils.safestring import mark_safe\n"
        "from django.views.decorators.csrf import csrf_exempt\n"
        "from django.db.models.expressions import RawSQL\n"
        "from django.template import Template\n"
        "from weasyprint import HTML\n\n"
        "# mark_safe in a comment is not a use\n"
        "@csrf_exempt\n"
        "def view(request, qs, text, name):\n"
        "    qs.extra(where=['1=1'])\n"
        "    qs.annotate(x=RawSQL('select 1', []))\n"
        "    Template(text).render()\n"
        "    qs.raw(f'select * from t where name = {name}')\n"
        "    HTML(string=f'<p>{text}</p>').write_pdf()\n"
        "    HTML(string=html_ok).write_pdf()\n"
        "    Template('{{ a }}')\n"
        "    return mark_safe(text)\n"
    )
    (tmp_path / "app" / "templates" / "page.html").write_text(
        "{{ a|safe }} {{ b | safeseq }} {% autoescape off %}{{ c }}{% endautoescape %} {{ d }}"
    )
    assert scan(tmp_path) == {
        ("app/views.py", "mark_safe"): 1,
        ("app/views.py", "csrf_exempt"): 1,
        ("app/views.py", "RawSQL"): 1,
        ("app/views.py", ".extra("): 1,
        ("app/views.py", "Template(<data>)"): 1,
        ("app/views.py", "SQL built from strings"): 1,
        ("app/views.py", 'HTML(string=f"…")'): 1,
        ("app/templates/page.html", "|safe"): 2,
        ("app/templates/page.html", "autoescape off"): 1,
    }
