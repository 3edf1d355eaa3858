from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .choices import Channel, NotificationKind


class PreferencesForm(forms.Form):
    """One checkbox per kind and channel (email, SMS); the in-app list always has everything."""

    # Each language named in itself (glossary §2.17).
    language = forms.ChoiceField(
        label=_("Language of email and SMS"), choices=settings.LANGUAGES, required=True
    )

    def __init__(
        self, *args, current: dict[str, set[str]] | None = None, language: str = "", **kwargs
    ):
        super().__init__(*args, **kwargs)
        current = current or {}
        self.fields["language"].initial = language or settings.LANGUAGE_CODE
        self.rows = []
        for kind in NotificationKind:
            row = {"kind": kind, "label": kind.label, "fields": []}
            for channel in Channel:
                name = f"{kind.value}__{channel.value}"
                self.fields[name] = forms.BooleanField(
                    required=False,
                    label=_("%(kind)s by %(channel)s")
                    % {"kind": kind.label, "channel": channel.label},
                    initial=channel.value in current.get(kind.value, set()),
                )
                row["fields"].append(name)
            self.rows.append(row)

    def table(self) -> list[dict]:
        return [
            {"label": row["label"], "bound": [self[name] for name in row["fields"]]}
            for row in self.rows
        ]

    def wanted(self) -> dict[str, set[str]]:
        return {
            kind.value: {
                channel.value
                for channel in Channel
                if self.cleaned_data.get(f"{kind.value}__{channel.value}")
            }
            for kind in NotificationKind
        }
