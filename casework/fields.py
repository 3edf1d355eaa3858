from django.db import models

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
