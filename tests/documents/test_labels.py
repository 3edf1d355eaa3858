"""Every step a case's audit trail can record is printed in a filing's timeline with its own
bilingual words, or deliberately left out as bookkeeping — never as "other record (verb)"."""

import re
from pathlib import Path

from casework.models import Case
from documents import labels

ROOT = Path(__file__).resolve().parents[2]
VERB = re.compile(r'verb="([a-z_]+)"')


def _recorded_verbs() -> set[str]:
    verbs = set()
    for app in ("accounts", "casework", "documents", "rights"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                verbs |= set(VERB.findall(path.read_text(encoding="utf-8")))
    # A transition's audit verb is the transition's name (casework.services.transitions).
    verbs |= {t.name for t in Case._meta.get_field("state").get_all_transitions(Case)}
    return verbs


def test_every_recorded_verb_has_timeline_words_or_is_hidden():
    verbs = _recorded_verbs()
    assert {"filed", "evidence_uploaded", "refer_to_legal_aid"} <= verbs  # the scan finds them
    unlabelled = sorted(v for v in verbs - labels.TIMELINE_HIDDEN if v not in labels.TIMELINE_VERBS)
    assert unlabelled == []


def test_timeline_words_are_bilingual_and_distinct():
    for verb, words in labels.TIMELINE_VERBS.items():
        assert words.zh and words.en, verb
        assert re.search(r"[\u4e00-\u9fff]", words.zh), verb
        assert not re.search(r"[\u4e00-\u9fff]", words.en), verb
