"""Filters shared by the API lists and the web list pages of the organization."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from openfunnel.accounts.models import Department, Role, User


class UserFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), label=_("Department"))
    role = django_filters.ModelChoiceFilter(queryset=Role.objects.all(), to_field_name="code", label=_("Role"))
    manager = django_filters.ModelChoiceFilter(queryset=User.objects.all(), label=_("Manager"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = User
        fields = ["department", "role", "manager", "is_active"]

    def filter_search(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        value = value.strip()[:100]
        if not value:
            return queryset
        return queryset.filter(Q(username__icontains=value) | Q(name__icontains=value) | Q(email__icontains=value)
                               | Q(phone__icontains=value))


class DepartmentFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Name"))
    parent = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), label=_("Parent department"))

    class Meta:
        model = Department
        fields = ["parent"]


class RoleFilter(django_filters.FilterSet):
    data_scope = django_filters.ChoiceFilter(choices=Role._meta.get_field("data_scope").choices, label=_("Data scope"))
    is_builtin = django_filters.BooleanFilter(label=_("Built in"))

    class Meta:
        model = Role
        fields = ["data_scope", "is_builtin"]
