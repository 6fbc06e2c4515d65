"""Filters shared by the API lists and the web list pages."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from openfunnel.leads.models import Campaign


class CampaignFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Name"))
    channel = django_filters.ChoiceFilter(choices=Campaign.Channel.choices, label=_("Channel"))
    started_after = django_filters.DateFilter(field_name="start_date", lookup_expr="gte", label=_("Starts from"))

    class Meta:
        model = Campaign
        fields = ["channel"]
