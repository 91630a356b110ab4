"""Optimistic locking for edit pages: the page carries the version of the record it was
opened at (a hidden field), and the service refuses to save over a newer one.

The version of a record with ``updated_at`` (``auto_now``) is that timestamp in whole
microseconds: every save through a service moves it on, so no extra column is needed.
Monitoring returns keep their own integer ``version`` (monitoring/services.py); the
wording of the refusal is the same.
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)

#: The hidden version is mangled: the page was not opened from the portal.
PAGE_OUT_OF_DATE = "This page is out of date. Open it again and make your changes."
STALE = (
    "This %(noun)s was changed by someone else (or in another tab) after you opened it. "
    "Your changes have not been saved: check the %(noun)s and make them again."
)


def edit_version(instance) -> int:
    """The version of ``instance`` as saved: its ``updated_at`` in microseconds."""
    return (instance.updated_at - _EPOCH) // _MICROSECOND


def check_version(current, version: int | None, *, noun: str) -> None:
    """Refuse (code ``stale``) when ``version`` is not that of ``current``, the row as it
    stands now (read with select_for_update). ``None`` means the caller is not an edit
    page (a script, an import) and skips the check."""
    if version is not None and int(version) != edit_version(current):
        raise ValidationError(STALE, code="stale", params={"noun": noun})


class VersionedFormMixin:
    """Adds the hidden ``version`` field when the form is given ``version_of=`` (the
    record being edited). Put it first among the form's bases. The field is rendered by
    the form's helper (``render_hidden_fields``); a form that renders its fields through
    other helpers renders ``version`` itself."""

    def __init__(self, *args, version_of=None, **kwargs):
        super().__init__(*args, **kwargs)
        if version_of is not None and version_of.pk is not None:
            # Not required: a POST without it (a script) is saved unchecked, as before.
            # Every page of the portal sends it; a mangled one is refused.
            self.fields["version"] = forms.IntegerField(
                widget=forms.HiddenInput,
                min_value=0,
                required=False,
                initial=edit_version(version_of),
            )
            helper = getattr(self, "helper", None)
            if helper is not None:
                helper.render_hidden_fields = True

    @property
    def is_versioned(self) -> bool:
        return "version" in self.fields

    def posted_version(self) -> int | None:
        return self.cleaned_data.get("version") if self.is_versioned else None

    def clean(self):
        cleaned = super().clean()
        if "version" in self._errors:
            # A hidden field's error would show nowhere: say it at the top.
            del self._errors["version"]
            raise ValidationError(PAGE_OUT_OF_DATE, code="no_version")
        return cleaned


def is_stale(form) -> bool:
    """Whether the form was refused because the record changed after it was opened."""
    return any(error.code == "stale" for error in form.non_field_errors().as_data())
