from functools import cache

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

from .crypto import decrypt, encrypt


class EncryptedTextField(models.TextField):
    """Stored as a Fernet token; Python sees plain text. Not searchable: pair with a digest."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)


@cache
def _choice_labels(field: models.Field) -> dict:
    return dict(make_hashable(field.flatchoices))


class ChoiceLabels:
    """`get_FOO_display()` from each field's labels read once per process. Django's builds a
    dictionary of the field's choices on every call (`make_hashable` over every label), some
    thirty times per case page. The labels stay lazy, so each call is in the active language.
    A field whose choices are computed (a callable) is asked every time, as Django does."""

    def _get_FIELD_display(self, field):
        if not isinstance(field.choices, list | tuple):
            return super()._get_FIELD_display(field)
        value = getattr(self, field.attname)
        label = _choice_labels(field).get(make_hashable(value), value)
        return force_str(label, strings_only=True)
