"""Both catalogues are complete and in step with the source (STYLE rule 7)."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import i18n  # noqa: E402


def _keys(po: polib.POFile) -> set[tuple[str | None, str]]:
    return {(e.msgctxt, e.msgid) for e in po if not e.obsolete}


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_catalogue_has_no_missing_or_fuzzy_entries(locale):
    gaps = i18n.missing(locale)
    assert gaps == [], f"{len(gaps)} untranslated in {locale}, e.g. {gaps[0].msgid!r}"


def test_catalogue_matches_the_source(tmp_path):
    # Given a copy of the source tree, when makemessages runs on it,
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", "var", ".git", "test-artifacts", "__pycache__", "*.mo", "node_modules"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-location",
            "--no-obsolete",
            *sum((["--ignore", p] for p in i18n.IGNORE), []),
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    # then it finds exactly the strings the committed catalogue has.
    fresh = _keys(polib.pofile(str(copy / "locale/zh_Hans/LC_MESSAGES/django.po")))
    committed = _keys(polib.pofile(str(i18n.po_path("zh_Hans"))))
    assert fresh - committed == set(), (
        f"strings missing from the catalogue: {sorted(fresh - committed, key=str)[:5]}"
    )
    assert committed - fresh == set(), (
        f"stale strings in the catalogue: {sorted(committed - fresh, key=str)[:5]}"
    )


def test_chinese_is_the_default_and_english_is_available(client, db):
    # Given no language preference, the home page is in Chinese (glossary: grievance = 诉求);
    assert "提交诉求" in client.get("/").content.decode()
    # asked for English, it is in English.
    assert "File a grievance" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with translation.override("zh-hans"):
        assert translation.gettext("Case not found") == "未找到该案件"
    with translation.override("en"):
        assert translation.gettext("Case not found") == "Case not found"
