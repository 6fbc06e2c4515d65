"""Filters of the audit log, shared by the API and the web page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openfunnel.accounts.models import User
from openfunnel.audit.models import Event
from openfunnel.audit.verbs import VERBS
from openfunnel.core.api import MAX_ID


def verb_choices() -> list[tuple[str, str]]:
    return sorted(((verb, f"{label} ({verb})") for verb, label in VERBS.items()), key=lambda c: c[0])


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class EventFilter(django_filters.FilterSet):
    actor = django_filters.ModelChoiceFilter(queryset=User.objects.order_by("username"), label=_("Who"))
    verb = django_filters.ChoiceFilter(choices=verb_choices, label=_("Action"))
    object_type = django_filters.CharFilter(max_length=32, label=_("Object type"))
    object_id = django_filters.NumberFilter(min_value=1, max_value=MAX_ID, decimal_places=0,
                                            label=_("Object id"))
    date_from = django_filters.DateFilter(method="filter_from", label=_("From"))
    date_to = django_filters.DateFilter(method="filter_to", label=_("To"))

    class Meta:
        model = Event
        fields = ["actor", "verb", "object_type", "object_id"]

    def filter_from(self, queryset: QuerySet[Event], name: str, value: Any) -> QuerySet[Event]:
        return queryset.filter(at__gte=_day_start(value))

    def filter_to(self, queryset: QuerySet[Event], name: str, value: Any) -> QuerySet[Event]:
        return queryset.filter(at__lt=_day_start(value + dt.timedelta(days=1)))
