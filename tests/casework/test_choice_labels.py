"""casework.fields.ChoiceLabels: `get_FOO_display()` prints what Django's prints, for every
choice of every field of the models that use it, in both languages."""

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from casework.fields import ChoiceLabels


def _models_with_labels():
    return [m for m in apps.get_models() if issubclass(m, ChoiceLabels)]


def _django_label(obj, field):
    return models.Model._get_FIELD_display(obj, field)


def test_the_case_pages_models_use_it():
    names = {m.__name__ for m in _models_with_labels()}
    assert {"Case", "CaseParty", "Referral", "ConsentRecord", "Evidence"} <= names


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_choice_prints_what_django_prints(language):
    checked = 0
    with translation.override(language):
        for model in _models_with_labels():
            for field in model._meta.concrete_fields:
                if not field.choices:
                    continue
                obj = model()
                display = getattr(obj, f"get_{field.name}_display")
                for value, _label in field.flatchoices:
                    obj.__dict__[field.attname] = value  # past a protected FSM field
                    assert display() == _django_label(obj, field), (model, field.name, value)
                    checked += 1
                obj.__dict__[field.attname] = "not-a-choice"
                assert display() == "not-a-choice"
    assert checked > 50


def test_the_label_follows_the_active_language():
    from casework.models import Case

    case = Case(state="submitted")
    state = Case._meta.get_field("state")
    with translation.override("en"):
        english = case.get_state_display()
        assert english == _django_label(case, state) == "Awaiting acceptance"
    with translation.override("zh-hans"):
        chinese = case.get_state_display()
        assert chinese == _django_label(case, state)
    assert chinese != english
