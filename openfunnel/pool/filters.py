"""Filters of the pool log (the API's query parameters and the web page's filter form share them)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from openfunnel.core.api import MAX_ID
from openfunnel.pool.models import PoolEvent


class IdFilter(django_filters.NumberFilter):
    """A reference by id; a value that is not a sane id is a field error, never a 500."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class PoolEventFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=PoolEvent.Kind.choices, label=_("kind"))
    pool = IdFilter(field_name="pool_id", label=_("pool"))
    customer = IdFilter(field_name="customer_id", label=_("customer"))
    lead = IdFilter(field_name="lead_id", label=_("lead"))
    user = IdFilter(field_name="user_id", label=_("user"))
    actor = IdFilter(field_name="actor_id", label=_("by"))
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("from"))
    until = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label=_("to"))

    class Meta:
        model = PoolEvent
        fields = ["kind", "pool", "customer", "lead", "user", "actor", "since", "until"]
