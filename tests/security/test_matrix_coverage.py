"""The security test matrix is mapped to tests (issue 7: "the security test matrix's rows are
each covered by a named test").

tests/security/matrix.toml names, for every row of the matrix, the tests that check it and
whether they cover it. This module keeps that file honest without a database: every row is
there, every named test exists (found with `ast`, so renaming or removing a test fails here),
a "covered" row names a test, and a row that is not fully covered says why.
"""

import ast
import re
import sys
import tomllib
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MATRIX = Path(__file__).with_name("matrix.toml")

# The rows of the matrix: section 7 of the shared security reference (security.md, "Proposed
# reliability & security test matrix", tables A–H). That file lives outside the repository, so
# its row ids are copied here; a row added there must be added here and in matrix.toml.
ROWS = (
    [f"A{i}" for i in range(1, 13)]
    + [f"B{i}" for i in range(1, 8)]
    + [f"C{i}" for i in range(1, 12)]
    + [f"D{i}" for i in range(1, 10)]
    + [f"E{i}" for i in range(1, 10)]
    + [f"F{i}" for i in range(1, 7)]
    + [f"G{i}" for i in range(1, 9)]
    + [f"H{i}" for i in range(1, 9)]
)
STATUSES = {"covered", "partial", "not covered"}
KEYS = {"title", "tests", "status", "note"}
ROW_ID = re.compile(r"^[A-H][1-9][0-9]?$")
# file::function or file::Class::function, no parametrisation brackets
NODE_ID = re.compile(r"^tests/(?:\w+/)*test_\w+\.py(?:::[A-Za-z_]\w*){1,2}$")


def _matrix() -> dict:
    with MATRIX.open("rb") as handle:
        return tomllib.load(handle)


@cache
def _tests_in(path: str) -> frozenset[str]:
    """The test names a module defines: "function" and "Class::method" (pytest's rules:
    test_* functions, Test* classes, test_* methods; async too)."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"), filename=path)
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if node.name.startswith("test"):
                names.add(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    if item.name.startswith("test"):
                        names.add(f"{node.name}::{item.name}")
    return frozenset(names)


def test_the_matrix_holds_exactly_the_rows_of_the_reference():
    rows = list(_matrix())
    assert len(ROWS) == len(set(ROWS)) == 70
    assert [r for r in rows if not ROW_ID.match(r)] == []
    assert set(ROWS) - set(rows) == set(), "rows missing from matrix.toml"
    assert set(rows) - set(ROWS) == set(), "rows matrix.toml has that security.md does not"
    assert rows == ROWS, "keep matrix.toml in the reference's order"


def test_every_row_is_well_formed():
    problems = []
    for row, entry in _matrix().items():
        if not isinstance(entry, dict):
            problems.append((row, "not a table"))
            continue
        if set(entry) - KEYS or not {"title", "tests", "status"} <= set(entry):
            problems.append((row, "keys", sorted(entry)))
            continue
        if not isinstance(entry["title"], str) or not entry["title"].strip():
            problems.append((row, "title"))
        tests = entry["tests"]
        if not isinstance(tests, list) or not all(isinstance(t, str) for t in tests):
            problems.append((row, "tests must be a list of node ids"))
            continue
        if len(tests) != len(set(tests)):
            problems.append((row, "a test is listed twice"))
        if entry["status"] not in STATUSES:
            problems.append((row, "status", entry["status"]))
        if entry["status"] == "covered" and not tests:
            problems.append((row, "covered, but names no test"))
        if entry["status"] == "not covered" and tests:
            problems.append((row, "not covered, but names tests: call it partial"))
        note = entry.get("note", "")
        if entry["status"] != "covered" and len(note.strip()) < 20:
            problems.append((row, "a row that is not covered must say why in its note"))
        if "note" in entry and not note.strip():
            problems.append((row, "empty note"))
    assert problems == []


def test_every_named_test_exists():
    missing = []
    for row, entry in _matrix().items():
        for node_id in entry.get("tests", []):
            if "[" in node_id or not NODE_ID.match(node_id):
                missing.append((row, node_id, "not a node id (file::function)"))
                continue
            path, name = node_id.split("::", 1)
            if not (ROOT / path).is_file():
                missing.append((row, node_id, "no such file"))
            elif name not in _tests_in(path):
                missing.append((row, node_id, "no such test"))
    assert missing == []


def test_the_existence_check_bites(tmp_path, monkeypatch):
    """A renamed or removed test is reported: the lookup finds only what the module defines."""
    module = tmp_path / "tests" / "x" / "test_sample.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "def test_kept():\n    pass\n\n\n"
        "def helper():\n    pass\n\n\n"
        "class TestGroup:\n    def test_inside(self):\n        pass\n\n"
        "    def helper(self):\n        pass\n\n\n"
        "async def test_async():\n    pass\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    _tests_in.cache_clear()
    try:
        found = _tests_in("tests/x/test_sample.py")
    finally:
        _tests_in.cache_clear()
    assert found == {"test_kept", "TestGroup::test_inside", "test_async"}
