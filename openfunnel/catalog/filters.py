"""Filters shared by the product API list and the product list page."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from openfunnel.catalog.models import Product


class ProductFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Code or name"))
    category = django_filters.CharFilter(field_name="category", lookup_expr="iexact", label=_("Category"))
    is_active = django_filters.BooleanFilter(field_name="is_active", label=_("Active"))

    class Meta:
        model = Product
        fields = ["category", "is_active"]

    def filter_search(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        value = (value or "").strip()[:100]
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value)) if value else queryset
