"""Keep the two catalogues (zh_Hans, en) in step with the source.

    .venv/bin/python scripts/i18n.py update    # makemessages for both languages; English msgstr = msgid
    .venv/bin/python scripts/i18n.py check     # exit 1 if a Chinese string is missing or fuzzy
    .venv/bin/python scripts/i18n.py missing   # print the Chinese entries still to translate

Source strings are English; the English catalogue repeats them (so it is complete on its own),
the Chinese one carries the glossary's words (../shared/reference/glossary.md).
"""

import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("zh_Hans", "en")
IGNORE = [".venv", "var", "tests", "bench", "test-artifacts", "node_modules"]


def po_path(locale: str, domain: str = "django") -> Path:
    return ROOT / "locale" / locale / "LC_MESSAGES" / f"{domain}.po"


def makemessages() -> None:
    args = [sys.executable, "manage.py", "makemessages", "--no-location", "--no-obsolete"]
    for locale in LOCALES:
        args += ["-l", locale]
    for pattern in IGNORE:
        args += ["--ignore", pattern]
    subprocess.run(args, cwd=ROOT, check=True)


def fill_english() -> None:
    po = polib.pofile(str(po_path("en")))
    for entry in po:
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        elif not entry.msgstr:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.msgstr = entry.msgid
    po.save()


def missing(locale: str = "zh_Hans") -> list[polib.POEntry]:
    po = polib.pofile(str(po_path(locale)))
    out = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            out.append(entry)
        elif entry.msgid_plural:
            if not all(entry.msgstr_plural.values()):
                out.append(entry)
        elif not entry.msgstr:
            out.append(entry)
    return out


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "update":
        makemessages()
        fill_english()
        print(f"zh_Hans: {len(missing())} entries to translate")
        return 0
    if command == "missing":
        for entry in missing():
            ctx = f"[{entry.msgctxt}] " if entry.msgctxt else ""
            print(f"{ctx}{entry.msgid}")
        return 0
    if command == "check":
        gaps = {loc: missing(loc) for loc in LOCALES}
        for loc, entries in gaps.items():
            if entries:
                print(f"{loc}: {len(entries)} untranslated or fuzzy, e.g. {entries[0].msgid!r}")
        return 1 if any(gaps.values()) else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
