"""Filters shared by the API lists and the web list pages."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openfunnel.core.choices import Source
from openfunnel.leads.models import Campaign, Lead
from openfunnel.leads.selectors import assignable_users, campaign_choices


class CampaignFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains",
                                       label=pgettext_lazy("campaign", "Name"))
    channel = django_filters.ChoiceFilter(choices=Campaign.Channel.choices, label=_("Channel"))
    started_after = django_filters.DateFilter(field_name="start_date", lookup_expr="gte", label=_("Starts from"))

    class Meta:
        model = Campaign
        fields = ["channel"]


def _owners(request: Any) -> QuerySet[Any]:
    from openfunnel.accounts.models import User

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return User.objects.none()
    return assignable_users(user)


def _campaigns(request: Any) -> QuerySet[Campaign]:
    return campaign_choices(getattr(request, "user", None))


class LeadFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"),
                                       help_text=_("Company, contact person, phone or e-mail"))
    status = django_filters.ChoiceFilter(choices=Lead.Status.choices, label=_("Status"))
    owner = django_filters.ModelChoiceFilter(queryset=_owners, label=_("Owner"))
    pool = django_filters.BooleanFilter(field_name="owner", lookup_expr="isnull", label=_("In the lead pool"),
                                        widget=forms.Select(choices=[("", "---------"), ("true", _("Yes")),
                                                                     ("false", _("No"))]))
    source = django_filters.ChoiceFilter(choices=Source.choices, label=_("Source"))
    campaign = django_filters.ModelChoiceFilter(queryset=_campaigns, label=_("Campaign"))
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte",
                                              label=_("Created from"))
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte",
                                               label=_("Created until"))

    class Meta:
        model = Lead
        fields = ["status", "owner", "source", "campaign"]

    def filter_search(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        value = value.strip()[:100]
        if not value:
            return queryset
        return queryset.filter(Q(company__icontains=value) | Q(name__icontains=value) | Q(phone__icontains=value)
                               | Q(email__icontains=value))
