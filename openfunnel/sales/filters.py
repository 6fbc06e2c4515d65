"""Filters shared by the opportunity API list, the list page, the kanban board and the overdue report."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openfunnel.accounts.models import Department
from openfunnel.accounts.scope import department_subtree_ids, visible_owner_ids
from openfunnel.core.api import MAX_ID
from openfunnel.sales.models import Opportunity, Pipeline, Stage

PERIODS = [
    ("this_month", _("This month")),
    ("next_month", _("Next month")),
    ("this_quarter", _("This quarter")),
    ("next_quarter", _("Next quarter")),
    ("this_year", _("This year")),
    ("overdue", _("Past the close date")),
]


def period_range(period: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The expected-close-date interval [start, end] of a named period around `today`."""
    def month_start(year: int, month: int) -> dt.date:
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        return dt.date(year, month, 1)

    if period == "this_month":
        return month_start(today.year, today.month), month_start(today.year, today.month + 1) - dt.timedelta(days=1)
    if period == "next_month":
        return month_start(today.year, today.month + 1), month_start(today.year, today.month + 2) - dt.timedelta(days=1)
    quarter_first = 3 * ((today.month - 1) // 3) + 1
    if period == "this_quarter":
        return (month_start(today.year, quarter_first),
                month_start(today.year, quarter_first + 3) - dt.timedelta(days=1))
    if period == "next_quarter":
        return (month_start(today.year, quarter_first + 3),
                month_start(today.year, quarter_first + 6) - dt.timedelta(days=1))
    if period == "this_year":
        return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    if period == "overdue":
        return None, today - dt.timedelta(days=1)
    return None, None


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _campaigns(request: Any) -> QuerySet:
    from openfunnel.leads.models import Campaign

    return Campaign.objects.order_by("-start_date", "-id")


def _owners(request: Any) -> QuerySet:
    User = get_user_model()
    if request is None or not getattr(request.user, "is_authenticated", False):
        return User.objects.none()
    return User.objects.filter(_owner_ids_q(request.user)).order_by("name", "username")


def _owner_ids_q(actor: Any) -> Q:
    ids = visible_owner_ids(actor)
    return Q() if ids is None else Q(pk__in=ids)


class IdFilter(django_filters.NumberFilter):
    """An id filter: a positive integer that fits the database (garbage is a validation error, not a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.pipeline.name} · {obj.name}"


class StageFilter(django_filters.ModelChoiceFilter):
    """Stages named with their pipeline (two pipelines may both have a stage called “报价”)."""

    field_class = StageChoiceField


class OpportunityFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    pipeline = django_filters.ModelChoiceFilter(queryset=Pipeline.objects.all(), label=_("Pipeline"))
    stage = StageFilter(queryset=Stage.objects.select_related("pipeline").order_by("pipeline__order", "pipeline_id",
                                                                                   "order", "id"), label=_("Stage"))
    status = django_filters.ChoiceFilter(choices=Opportunity.Status.choices, label=_("Status"))
    owner = django_filters.ModelChoiceFilter(queryset=_owners, label=_("Owner"))
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), method="filter_department",
                                                  label=_("Department"))
    forecast_category = django_filters.ChoiceFilter(choices=Opportunity.ForecastCategory.choices,
                                                    label=_("Forecast category"))
    period = django_filters.ChoiceFilter(choices=PERIODS, method="filter_period", label=_("Close period"))
    close_from = django_filters.DateFilter(field_name="expected_close_date", lookup_expr="gte",
                                           label=_("Close date from"), widget=DATE_INPUT)
    close_to = django_filters.DateFilter(field_name="expected_close_date", lookup_expr="lte", label=_("Close date to"),
                                         widget=DATE_INPUT)
    customer = IdFilter(field_name="customer_id", label=_("Customer"), widget=forms.HiddenInput)
    campaign = django_filters.ModelChoiceFilter(queryset=_campaigns, label=_("Campaign"))
    is_overdue = django_filters.BooleanFilter(field_name="is_overdue", label=_("Overdue"))

    class Meta:
        model = Opportunity
        fields = ["pipeline", "stage", "status", "owner", "forecast_category"]

    def filter_search(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        value = (value or "").strip()[:100]
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(customer__name__icontains=value))

    def filter_department(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset.filter(owner__department_id__in=department_subtree_ids(value.pk)) if value else queryset

    def filter_period(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        start, end = period_range(value, timezone.localdate())
        if value == "overdue":
            return queryset.filter(status=Opportunity.Status.OPEN, expected_close_date__lte=end)
        if start is None:
            return queryset
        return queryset.filter(expected_close_date__gte=start, expected_close_date__lte=end)


BOARD_FILTERS = ["search", "owner", "department", "period", "forecast_category", "close_from", "close_to"]


class BoardFilter(OpportunityFilter):
    """The kanban board's filters: the pipeline comes from the board itself, stages are the columns."""

    class Meta:
        model = Opportunity
        fields = ["owner", "forecast_category"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in list(self.filters):
            if name not in BOARD_FILTERS:
                del self.filters[name]

    def tally_owner_q(self) -> Q | None:
        """The board's filters as a condition on the kanban tally's owner column (sales.board_tally), or None
        when a filter asks what the tally's keys cannot tell (a text, a close period, a forecast category)."""
        if not self.is_bound:
            return Q()
        if not self.is_valid():
            return Q()   # invalid filters are shown, not applied
        applied = {name: value for name, value in self.form.cleaned_data.items() if value not in (None, "", [], ())}
        if set(applied) - {"owner", "department"}:
            return None
        q = Q()
        if "owner" in applied:
            q &= Q(owner_id=applied["owner"].pk)
        if "department" in applied:
            users = get_user_model().objects.filter(department_id__in=department_subtree_ids(applied["department"].pk))
            q &= Q(owner_id__in=users.values("id"))
        return q
