"""Filters of the notification list (API and page)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from openfunnel.automation.models import Notification


class NotificationFilter(django_filters.FilterSet):
    read = django_filters.BooleanFilter(method="filter_read", label=_("Read"))
    kind = django_filters.ChoiceFilter(choices=Notification.Kind.choices, label=_("Kind"))

    class Meta:
        model = Notification
        fields = ["kind"]

    def filter_read(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(read_at__isnull=not value)
