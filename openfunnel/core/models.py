"""Abstract model pieces shared by the domain apps."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.fields import Field
from django.utils.choices import CallableChoiceIterator
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

_labels: dict[tuple[Field, str | None], dict[Any, str]] = {}


def choice_labels(field: Field) -> dict[Any, str] | None:
    """{make_hashable(value): label} of a field's choices in the current language, built once per process and
    language; None for choices computed at each use (a callable)."""
    if isinstance(field.choices, CallableChoiceIterator):
        return None
    key = (field, get_language())
    labels = _labels.get(key)
    if labels is None:
        labels = _labels[key] = {make_hashable(value): force_str(label, strings_only=True)
                                 for value, label in field.flatchoices}
    return labels


class ChoiceLabels:
    """`get_FOO_display()` from the kept labels: Django's builds the dict of every label (a gettext each) at
    every call — 25 rows × 30 industries on a list page."""

    def _get_FIELD_display(self, field: Field) -> Any:
        labels = choice_labels(field)
        if labels is None:
            return super()._get_FIELD_display(field)  # type: ignore[misc]
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


class TimeStampedModel(ChoiceLabels, models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class SoftDeleteModel(models.Model):
    """Deleted rows stay in the recycle bin until restored; selectors leave them out."""

    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("deleted by"))

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class VersionedModel(models.Model):
    """Optimistic concurrency: a PATCH carrying a stale version is refused with `stale_version`."""

    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        abstract = True
