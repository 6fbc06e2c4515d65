"""get_FOO_display() from the labels kept per process and language gives what Django's own gives."""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.utils import translation

from openfunnel.core.models import ChoiceLabels


def test_every_choice_field_shows_the_labels_django_would():
    checked = 0
    for model in apps.get_models():
        if not issubclass(model, ChoiceLabels):
            continue
        for field in model._meta.concrete_fields:
            if not field.choices:
                continue
            for language in ("en", "zh-hans"):
                with translation.override(language):
                    for value in [v for v, _label in field.flatchoices] + ["not-a-choice", None]:
                        row = model(**{field.attname: value})
                        shown = getattr(row, f"get_{field.name}_display")()
                        assert shown == models.Model._get_FIELD_display(row, field), (model, field, value)
                        assert type(shown) is type(models.Model._get_FIELD_display(row, field))
                        checked += 1
    assert checked > 100
