"""Output serializers that write many rows: the way to each field's value is worked out once per serializer.

DRF's `Serializer.to_representation` is generic per field and per row: it walks the fields through the
`BindingDict`'s abstract-base-class iteration, resolves each field's source path with callable checks and
exception handling, goes through a related manager (a new manager object each time) to reach prefetched rows,
and wraps every foreign key in a `PKOnlyObject`. A page of 50 customers with 34 fields spends most of its
serialization on that walk (about 40 % of the customers API's server time on PostgreSQL at full scale).

`PlannedRepresentation` keeps DRF's output exactly; it only takes shorter ways where they are known to give
the same value:
- a concrete, non-relational model field named by a one-step source: `getattr(row, name)`;
- a primary-key reference to a foreign key (`PrimaryKeyRelatedField` without `pk_field`): the `<fk>_id` value;
- a to-many source that was prefetched (a many-to-many or reverse foreign key, read as ids or through a nested
  serializer): the prefetched rows, without a manager;
- a `SerializerMethodField`: its method, bound once;
- an aware datetime of a plain `DateTimeField` in ISO 8601: converted to the current time zone looked up once
  per row, not once per field.
The fields themselves are built once per serializer class and language (a `ModelSerializer` otherwise introspects
its model on every request) and copied for each serializer: deep-copied as DRF copies declared fields, or a shallow
copy of a field that holds no other (_LEAF_FIELDS). A serializer whose fields depend on its instance or context
must not use this mixin.
Every other field goes DRF's own way (`field.get_attribute` + `field.to_representation`), as does a row that is
not an instance of the serializer's model.
"""

from __future__ import annotations

import copy
import datetime as dt
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from rest_framework import ISO_8601, relations, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

_field_prototypes: dict[tuple[type, str | None], dict[str, Any]] = {}

# Fields that hold no other field and keep nothing they change after __init__ (binding sets attributes of their
# own): a shallow copy of the unbound prototype is the field DRF's deepcopy would build again from its arguments
# (Field.__deepcopy__ calls __init__ anew, ~40 us a field: 1.5 ms for a customer's 37 on every API answer of one
# record). Exactly these classes: a subclass may hold more. Nested serializers, list and many-related fields
# (whose child is bound to them) are deep-copied as DRF does.
_LEAF_FIELDS = frozenset({
    serializers.BooleanField, serializers.CharField, serializers.ChoiceField, serializers.DateField,
    serializers.DateTimeField, serializers.DecimalField, serializers.EmailField, serializers.FloatField,
    serializers.IntegerField, serializers.JSONField, serializers.ReadOnlyField, serializers.SerializerMethodField,
    serializers.TimeField, serializers.URLField, serializers.UUIDField, relations.PrimaryKeyRelatedField,
})

# how a planned field's value is read
_PLAIN, _DATETIME, _FOREIGN_KEY_ID, _PREFETCHED, _METHOD, _GENERIC = range(6)


class PlannedRepresentation:
    """Mixin for a read-only `serializers.Serializer` / `ModelSerializer` (put it first in the bases)."""

    def get_fields(self) -> dict[str, Any]:
        # per language too: a built field's label is a string of the active language (the API schema shows it)
        key = (type(self), get_language())
        prototypes = _field_prototypes.get(key)
        if prototypes is None:
            prototypes = _field_prototypes[key] = super().get_fields()  # type: ignore[misc]
        return {name: copy.copy(field) if type(field) in _LEAF_FIELDS else copy.deepcopy(field)
                for name, field in prototypes.items()}

    @cached_property
    def _representation_plan(self) -> list[tuple[str, int, Any, Any]]:
        """(output name, how, what to read, field) per readable field, in DRF's order."""
        model = getattr(getattr(self, "Meta", None), "model", None)
        plan = []
        for field in self._readable_fields:  # type: ignore[attr-defined]
            how, read = _GENERIC, None
            attrs = field.source_attrs
            if isinstance(field, serializers.SerializerMethodField):
                how, read = _METHOD, getattr(self, field.method_name)
            elif model is not None and len(attrs) == 1:
                how, read = _model_way(model, field, attrs[0])
                if how == _PLAIN and _plain_iso_datetime(field):
                    how = _DATETIME
            plan.append((field.field_name, how, read, field))
        return plan

    def to_representation(self, instance: Any) -> dict[str, Any]:
        model = getattr(getattr(self, "Meta", None), "model", None)
        if model is not None and not isinstance(instance, model):
            return super().to_representation(instance)  # type: ignore[misc]
        ret: dict[str, Any] = {}
        zone = None
        for name, how, read, field in self._representation_plan:
            if how == _PLAIN:
                value = getattr(instance, read)
                ret[name] = None if value is None else field.to_representation(value)
            elif how == _DATETIME:
                value = getattr(instance, read)
                if value is None:
                    ret[name] = None
                elif isinstance(value, dt.datetime) and value.utcoffset() is not None:
                    if zone is None:
                        zone = timezone.get_current_timezone()
                    try:
                        text = value.astimezone(zone).isoformat()
                    except OverflowError:
                        text = field.to_representation(value)   # DRF's own refusal
                    ret[name] = text[:-6] + "Z" if text.endswith("+00:00") else text
                else:
                    ret[name] = field.to_representation(value)
            elif how == _FOREIGN_KEY_ID:
                ret[name] = getattr(instance, read)
            elif how == _METHOD:
                ret[name] = read(instance)
            else:
                if how == _PREFETCHED and instance.pk is not None:
                    cache = getattr(instance, "_prefetched_objects_cache", None)
                    rows = cache.get(read) if cache is not None else None
                    if rows is not None:
                        ret[name] = field.to_representation(rows)
                        continue
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
                check_for_none = value.pk if isinstance(value, PKOnlyObject) else value
                ret[name] = None if check_for_none is None else field.to_representation(value)
        return ret


def _model_way(model: type[models.Model], field: Any, attr: str) -> tuple[int, Any]:
    try:
        model_field = model._meta.get_field(attr)
    except FieldDoesNotExist:
        return _GENERIC, None
    if isinstance(field, relations.ManyRelatedField):
        child = field.child_relation
        if type(child) is relations.PrimaryKeyRelatedField and child.pk_field is None \
                and _prefetch_key(model_field, attr):
            return _PREFETCHED, attr
        return _GENERIC, None
    if isinstance(field, serializers.ListSerializer):
        return (_PREFETCHED, attr) if _prefetch_key(model_field, attr) else (_GENERIC, None)
    if isinstance(field, relations.RelatedField):
        if (type(field) is relations.PrimaryKeyRelatedField and field.pk_field is None
                and isinstance(model_field, models.ForeignKey) and model_field.name == attr):
            return _FOREIGN_KEY_ID, model_field.attname
        return _GENERIC, None
    if isinstance(field, (serializers.Serializer, serializers.HiddenField)):
        return _GENERIC, None
    if getattr(model_field, "concrete", False) and not model_field.is_relation and model_field.name == attr:
        return _PLAIN, attr
    return _GENERIC, None


def _plain_iso_datetime(field: Any) -> bool:
    """A DateTimeField that writes ISO 8601 in the current time zone (DRF's default for this project)."""
    return (type(field) is serializers.DateTimeField and not hasattr(field, "format")
            and not hasattr(field, "timezone") and settings.USE_TZ
            and str(api_settings.DATETIME_FORMAT).lower() == ISO_8601)


def _prefetch_key(model_field: Any, attr: str) -> bool:
    """Whether prefetch_related(attr) keeps the rows under `attr`: so for a forward many-to-many and for a
    reverse foreign key reached by its accessor name."""
    if isinstance(model_field, models.ManyToManyField):
        return model_field.name == attr
    if isinstance(model_field, models.ManyToOneRel) and not isinstance(model_field, models.OneToOneRel):
        return model_field.cache_name == attr   # the reverse manager's key: its accessor name
    return False


def related_rows(instance: models.Model, name: str) -> Any:
    """`instance.<name>.all()` — the prefetched rows themselves when `name` was prefetched (no manager object
    made for each row), else the manager's query. For a forward many-to-many or a reverse foreign key named by
    its accessor, whose prefetch is kept under that name."""
    cache = getattr(instance, "_prefetched_objects_cache", None)
    if cache is not None and name in cache:
        return cache[name]
    return getattr(instance, name).all()


class OutputSerializer(PlannedRepresentation, serializers.Serializer):
    """The base of an API answer's serializer that is not a model's."""


class OutputModelSerializer(PlannedRepresentation, serializers.ModelSerializer):
    """The base of an API resource's output serializer (`serializer_class` of a ScopedViewSet)."""
