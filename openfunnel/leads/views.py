"""Web pages of leads and campaigns: thin adapters over the same services and selectors as the API."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openfunnel.accounts.scope import has_perm, require_perm
from openfunnel.leads import selectors, services
from openfunnel.leads.filters import CampaignFilter
from openfunnel.leads.forms import CampaignForm
from openfunnel.web.forms import render_form, submit_form
from openfunnel.web.listing import Column, ListPage

CAMPAIGN_COLUMNS = [
    Column("name", gettext_lazy("Name"), sort="name", link=True),
    Column("channel", gettext_lazy("Channel"), sort="channel"),
    Column("start_date", gettext_lazy("Start date"), sort="start_date"),
    Column("end_date", gettext_lazy("End date"), sort="end_date"),
    Column("cost", gettext_lazy("Cost"), sort="cost"),
    Column("lead_count", gettext_lazy("Leads"), sort="lead_count"),
    Column("description", gettext_lazy("Description"), default=False),
]


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    page = ListPage(request, selectors.campaigns_visible_to(request.user), columns=CAMPAIGN_COLUMNS,
                    key="campaigns", filterset_class=CampaignFilter, default_sort="-start_date")
    actions = ([{"url": reverse("leads:campaign_create"), "label": _("New campaign")}]
               if has_perm(request.user, "campaigns.manage") else [])
    return render(request, "web/list_page.html", {"page": page, "title": _("Campaigns"), "actions": actions})


@login_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "campaigns.manage")
    form = CampaignForm(request.POST or None)
    campaign = submit_form(request, form, lambda data: services.campaign_create(actor=request.user, **data))
    if campaign:
        messages.success(request, _("Campaign “%(name)s” created.") % {"name": campaign.name})
        return redirect("leads:campaigns")
    return render_form(request, form, {"title": _("New campaign"), "cancel_url": reverse("leads:campaigns")})


@login_required
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(actor=request.user, id=pk)
    require_perm(request.user, "campaigns.manage")
    form = CampaignForm(request.POST or None, instance=campaign)

    def save(data: dict[str, Any]) -> Any:
        return services.campaign_update(actor=request.user, campaign=campaign, data=data)

    if submit_form(request, form, save):
        messages.success(request, _("Campaign saved."))
        return redirect("leads:campaigns")
    return render_form(request, form, {"title": campaign.name, "cancel_url": reverse("leads:campaigns")})
