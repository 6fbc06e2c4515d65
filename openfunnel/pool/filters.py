"""Filters of the pool log (the API's query parameters and the web page's filter form share them)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from openfunnel.pool.models import PoolEvent


class PoolEventFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=PoolEvent.Kind.choices, label=_("kind"))
    pool = django_filters.NumberFilter(field_name="pool_id", label=_("pool"))
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("customer"))
    user = django_filters.NumberFilter(field_name="user_id", label=_("user"))
    actor = django_filters.NumberFilter(field_name="actor_id", label=_("by"))
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("from"))
    until = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label=_("to"))

    class Meta:
        model = PoolEvent
        fields = ["kind", "pool", "customer", "user", "actor", "since", "until"]
