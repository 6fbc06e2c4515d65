"""Filters shared by the API lists and the web list pages."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from openfunnel.accounts.scope import visible_owner_ids
from openfunnel.activities.models import Activity, Attachment, Task
from openfunnel.core.api import MAX_ID


def _users_in_scope(request: Any) -> QuerySet:
    """The users whose names the filter offers: those within the viewer's data scope."""
    users = get_user_model().objects.filter(is_active=True).order_by("name", "username")
    if request is None or not getattr(request, "user", None) or not request.user.is_authenticated:
        return users.none()
    ids = visible_owner_ids(request.user)
    return users if ids is None else users.filter(pk__in=ids)


class IdFilter(django_filters.NumberFilter):
    """A reference by id; a value that is not a sane id is a field error, never a 500."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class ActivityFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=Activity.Kind.choices, label=_("Kind"))
    author = django_filters.ModelChoiceFilter(queryset=_users_in_scope, label=_("Author"))
    customer = IdFilter(field_name="customer_id", label=_("Customer"), widget=forms.HiddenInput)
    lead = IdFilter(field_name="lead_id", label=_("Lead"), widget=forms.HiddenInput)
    contact = IdFilter(field_name="contact_id", label=_("Contact"), widget=forms.HiddenInput)
    opportunity = IdFilter(field_name="opportunity_id", label=_("Opportunity"), widget=forms.HiddenInput)
    occurred_after = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte", label=_("From"),
                                               widget=forms.DateInput(attrs={"type": "date"}))
    occurred_before = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte", label=_("To"),
                                                widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = Activity
        fields = ["kind"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()[:100]
        if not value:
            return queryset
        return queryset.filter(Q(content__icontains=value) | Q(customer__name__icontains=value)
                               | Q(lead__company__icontains=value))


class AttachmentFilter(django_filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label=_("Customer"))
    lead = IdFilter(field_name="lead_id", label=_("Lead"))
    activity = IdFilter(field_name="activity_id", label=_("Follow-up"))

    class Meta:
        model = Attachment
        fields: list[str] = []


class TaskFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("Title"))
    status = django_filters.ChoiceFilter(choices=Task.Status.choices, label=_("Status"))
    priority = django_filters.ChoiceFilter(choices=Task.Priority.choices, label=_("Priority"))
    assignee = django_filters.ModelChoiceFilter(queryset=_users_in_scope, label=_("Assignee"))
    due_after = django_filters.DateFilter(field_name="due_at", lookup_expr="date__gte", label=_("Due from"),
                                          widget=forms.DateInput(attrs={"type": "date"}))
    due_before = django_filters.DateFilter(field_name="due_at", lookup_expr="date__lte", label=_("Due until"),
                                           widget=forms.DateInput(attrs={"type": "date"}))
    customer = IdFilter(field_name="customer_id", label=_("Customer"), widget=forms.HiddenInput)
    lead = IdFilter(field_name="lead_id", label=_("Lead"), widget=forms.HiddenInput)
    contact = IdFilter(field_name="contact_id", label=_("Contact"), widget=forms.HiddenInput)

    class Meta:
        model = Task
        fields = ["status", "priority"]
