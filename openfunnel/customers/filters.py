"""Filters shared by the API lists and the web list pages of customers and contacts."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openfunnel.core.choices import CompanySize, Industry, Source
from openfunnel.customers import search_index, selectors
from openfunnel.customers.dedup import normalize_phone
from openfunnel.customers.models import Contact, Customer, CustomerLevel, Tag

DATE = forms.DateInput(attrs={"type": "date"})


def _owners(request: Any) -> QuerySet[Any]:
    if request is None or not getattr(request, "user", None):
        from openfunnel.accounts.models import User

        return User.objects.none()
    return selectors.owners_for_filter(request.user)


def _campaigns(request: Any) -> QuerySet[Any]:
    from openfunnel.leads.models import Campaign

    return Campaign.objects.order_by("name", "id")


# Beyond this many customers matched through a contact's name, the match stays a correlated subquery.
CONTACT_MATCH_IDS = 500


def _contact_match(text: str) -> Q | Exists:
    """Customers with a (not deleted) contact whose name contains `text`.

    On PostgreSQL a trigram index finds those contacts at once (customers migration 0005): their customers'
    ids are read first, so that the whole search is an OR of index scans. A correlated EXISTS in the OR
    would make it test every customer in scope; on SQLite it tests only the candidates of the trigram index
    (customers.search_index, see `filter_search`), or every customer where that index cannot tell.
    """
    contacts = Contact.objects.filter(deleted_at__isnull=True, name__icontains=text)
    if connection.vendor == "postgresql":
        ids = list(contacts.order_by().values_list("customer_id", flat=True).distinct()[: CONTACT_MATCH_IDS + 1])
        if len(ids) <= CONTACT_MATCH_IDS:
            return Q(pk__in=ids)
    return Exists(contacts.filter(customer_id=OuterRef("pk")))


class CustomerFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search", label=_("Search"), help_text=_("Name, phone, USCC, e-mail or contact name")
    )
    owner = django_filters.ModelChoiceFilter(queryset=_owners, label=_("Owner"))
    level = django_filters.ModelChoiceFilter(queryset=CustomerLevel.objects.all(), label=_("Level"))
    status = django_filters.ChoiceFilter(choices=Customer.Status.choices, label=_("Status"))
    industry = django_filters.ChoiceFilter(choices=Industry.choices, label=_("Industry"))
    size = django_filters.ChoiceFilter(
        choices=CompanySize.choices, label=pgettext_lazy("company size", "Size")
    )
    region = django_filters.CharFilter(lookup_expr="icontains", label=_("Region"))
    source = django_filters.ChoiceFilter(choices=Source.choices, label=_("Source"))
    campaign = django_filters.ModelChoiceFilter(queryset=_campaigns, label=_("Campaign"))
    tag = django_filters.ModelChoiceFilter(field_name="tags", queryset=Tag.objects.all(), label=_("Tag"))
    created_after = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("Created from"), widget=DATE
    )
    created_before = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("Created until"), widget=DATE
    )
    last_follow_up_after = django_filters.DateFilter(
        field_name="last_follow_up_at", lookup_expr="date__gte", label=_("Followed up since"), widget=DATE
    )
    # "Not followed up since" includes customers never followed up: those are the most neglected ones.
    last_follow_up_before = django_filters.DateFilter(
        method="filter_not_followed_up_since", label=_("Not followed up since"), widget=DATE
    )

    class Meta:
        model = Customer
        fields: list[str] = []

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        # ?owner=me: "my customers", the same link for everyone (API and web).
        request = kwargs.get("request")
        if data is not None and data.get("owner") == "me" and getattr(request, "user", None) is not None:
            data = data.copy()
            data["owner"] = str(request.user.pk)
        super().__init__(data, *args, **kwargs)

    def filter_search(self, queryset: QuerySet[Customer], name: str, value: str) -> QuerySet[Customer]:
        text = (value or "").strip()[:100]
        if not text:
            return queryset
        condition = (
            Q(name__icontains=text)
            | Q(phone__icontains=text)
            | Q(uscc__icontains=text)
            | Q(email__icontains=text)
            | _contact_match(text)
        )
        phone = normalize_phone(text)
        if phone:
            condition |= Q(phone_key=phone)
        # SQLite: the rows the trigram index says may match, and of them those the conditions match
        candidates = search_index.customer_ids(text, phone)
        if candidates is not None:
            queryset = queryset.filter(pk__in=candidates)
        if hasattr(queryset, "read_plainly"):
            queryset = queryset.read_plainly()   # the text's own indexes find its few rows (core.branches)
        return queryset.filter(condition)

    def filter_not_followed_up_since(
        self, queryset: QuerySet[Customer], name: str, value: Any
    ) -> QuerySet[Customer]:
        if not value:
            return queryset
        return queryset.filter(Q(last_follow_up_at__isnull=True) | Q(last_follow_up_at__date__lt=value))


class ContactFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search", label=_("Search"), help_text=_("Name, phone, e-mail, title or customer")
    )
    # A customer picker would list thousands of names: the API and the 360° page pass the id.
    customer = django_filters.NumberFilter(
        field_name="customer_id",
        label=_("Customer"),
        widget=forms.HiddenInput,
        min_value=1,
        max_value=2**63 - 1,
    )
    decision_role = django_filters.ChoiceFilter(
        choices=Contact.DecisionRole.choices, label=_("Decision role")
    )
    is_primary = django_filters.BooleanFilter(label=_("Primary contact"))

    class Meta:
        model = Contact
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        text = (value or "").strip()[:100]
        if not text:
            return queryset
        condition = (
            Q(name__icontains=text)
            | Q(phone__icontains=text)
            | Q(email__icontains=text)
            | Q(title__icontains=text)
            | Q(wechat__icontains=text)
            | Q(customer__name__icontains=text)
        )
        phone = normalize_phone(text)
        if phone:
            condition |= Q(phone_key=phone)
        candidates = search_index.contact_ids(text, phone)
        if candidates is not None:
            queryset = queryset.filter(pk__in=candidates)
        return queryset.filter(condition)
