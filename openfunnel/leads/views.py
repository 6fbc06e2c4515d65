"""Web pages of leads and campaigns: thin adapters over the same services and selectors as the API."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_POST

from openfunnel.accounts.scope import has_perm, require_perm
from openfunnel.audit.verbs import verb_label
from openfunnel.core.choices import Source
from openfunnel.core.errors import Conflict, DomainError
from openfunnel.leads import selectors, services
from openfunnel.leads.filters import CampaignFilter, LeadFilter
from openfunnel.leads.forms import CampaignForm, LeadBatchAssignForm, LeadConvertForm, LeadForm, LeadOwnerForm
from openfunnel.leads.models import Campaign, Lead
from openfunnel.pool.listing import RECLAIM_COLUMN, attach_lead_reclaim_outlook
from openfunnel.web.forms import render_form, submit_form
from openfunnel.web.listing import Column, ListPage

# --- campaigns -------------------------------------------------------------------------------------

CAMPAIGN_COLUMNS = [
    Column("name", pgettext_lazy("campaign", "Name"), sort="name", link=True),
    Column("channel", gettext_lazy("Channel"), sort="channel"),
    Column("start_date", gettext_lazy("Start date"), sort="start_date"),
    Column("end_date", gettext_lazy("End date"), sort="end_date"),
    Column("cost", gettext_lazy("Cost"), sort="cost"),
    Column("lead_count", gettext_lazy("Leads"), sort="lead_count"),
    Column("converted_count", gettext_lazy("Converted leads"), sort="converted_count"),
    Column("customer_count", gettext_lazy("Customers"), sort="customer_count"),
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
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(actor=request.user, id=pk)
    leads = selectors.leads_visible_to(request.user).filter(campaign=campaign).order_by("-id")[:20]
    rate = round(100 * campaign.converted_count / campaign.lead_count, 1) if campaign.lead_count else None
    per_lead = campaign.cost / campaign.lead_count if campaign.lead_count else None
    per_customer = campaign.cost / campaign.customer_count if campaign.customer_count else None
    return render(request, "leads/campaign_detail.html", {
        "title": campaign.name, "campaign": campaign, "leads": leads, "conversion_rate": rate,
        "cost_per_lead": per_lead, "cost_per_customer": per_customer,
        "can_manage": has_perm(request.user, "campaigns.manage"),
        "leads_url": f"{reverse('leads:list')}?campaign={campaign.pk}",
    })


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
        return redirect("leads:campaign_detail", pk=campaign.pk)
    return render_form(request, form, {"title": campaign.name,
                                       "cancel_url": reverse("leads:campaign_detail", args=[campaign.pk])})


# --- leads: list and batch assignment --------------------------------------------------------------

STATUS_BADGES = {Lead.Status.NEW: "badge-blue", Lead.Status.CONTACTED: "badge-amber",
                 Lead.Status.QUALIFIED: "badge-green", Lead.Status.CONVERTED: "badge-gray",
                 Lead.Status.INVALID: "badge-red"}


def status_badge(lead: Lead) -> Any:
    return format_html('<span class="badge {}">{}</span>', STATUS_BADGES.get(lead.status, ""),
                       lead.get_status_display())


def _owner_cell(lead: Lead) -> Any:
    return lead.owner.display_name if lead.owner_id else format_html('<span class="muted">{}</span>',
                                                                      _("Lead pool"))


def _select_cell(lead: Lead) -> Any:
    return format_html('<input type="checkbox" name="leads" value="{}" form="batch-assign" aria-label="{}">',
                       lead.pk, lead.company)


LEAD_COLUMNS = [
    Column("company", gettext_lazy("Company"), sort="company", link=True),
    Column("name", gettext_lazy("Contact person"), sort="name"),
    Column("title", pgettext_lazy("job title", "Title"), default=False),
    Column("phone", gettext_lazy("Phone")),
    Column("email", gettext_lazy("E-mail"), default=False),
    Column("region", gettext_lazy("Region"), sort="region", default=False),
    Column("source", gettext_lazy("Source"), sort="source"),
    Column("campaign__name", gettext_lazy("Campaign"), sort="campaign__name"),
    Column("owner", gettext_lazy("Owner"), sort="owner__name", render=_owner_cell),
    Column("status", gettext_lazy("Status"), sort="status", render=status_badge),
    Column("next_follow_up_at", gettext_lazy("Next follow-up"), sort="next_follow_up_at"),
    Column("last_follow_up_at", gettext_lazy("Last follow-up"), sort="last_follow_up_at", default=False),
    Column("created_at", gettext_lazy("Created"), sort="created_at", default=False),
    RECLAIM_COLUMN,
]
SELECT_COLUMN = Column("select", gettext_lazy("Select"), render=_select_cell)


@login_required
def lead_list(request: HttpRequest) -> HttpResponse:
    """The lead list; holders of leads.assign tick leads and hand them out here (POST = batch assign)."""
    can_assign = has_perm(request.user, "leads.assign")
    batch_form = None
    status = 200
    if can_assign:
        batch_form = LeadBatchAssignForm(request.POST or None, actor=request.user)
        if request.method == "POST":
            result = submit_form(request, batch_form, lambda data: services.lead_batch_assign(
                actor=request.user, leads=[lead.pk for lead in data["leads"]],
                owners=[user.pk for user in data["owners"]]))
            if result is not None:
                messages.success(request, ngettext("%(count)d lead assigned.", "%(count)d leads assigned.",
                                                   result.total) % {"count": result.total})
                return redirect(request.get_full_path())
            status = 400
    elif request.method == "POST":
        require_perm(request.user, "leads.assign")
    columns = ([SELECT_COLUMN] if can_assign else []) + LEAD_COLUMNS
    page = ListPage(request, selectors.leads_visible_to(request.user), columns=columns, key="leads",
                    filterset_class=LeadFilter, default_sort="-id")
    attach_lead_reclaim_outlook(page.page.object_list, user=request.user)
    actions = ([{"url": reverse("leads:create"), "label": _("New lead")}]
               if has_perm(request.user, "leads.create") else [])
    return render(request, "leads/lead_list.html", {"page": page, "title": _("Leads"), "actions": actions,
                                                    "batch_form": batch_form}, status=status)


# --- leads: create and edit ------------------------------------------------------------------------

@login_required
def lead_create(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "leads.create")
    form = LeadForm(request.POST or None, actor=request.user)

    def save(data: dict[str, Any]) -> Lead:
        data = {k: v for k, v in data.items() if k in form.fields}
        if "owner" in data:
            data["owner"] = data["owner"].pk if data["owner"] else None
        return services.lead_create(actor=request.user, **data)

    lead = submit_form(request, form, save)
    if lead:
        messages.success(request, _("Lead “%(name)s” created.") % {"name": lead.company})
        return redirect(lead)
    return render_form(request, form, {"title": _("New lead"), "cancel_url": reverse("leads:list"),
                                       "full_fields": ["notes"]})


@login_required
def lead_edit(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get_for_edit(actor=request.user, id=pk)
    form = LeadForm(request.POST or None, instance=lead, actor=request.user)

    def save(data: dict[str, Any]) -> Lead:
        version = data.pop("version", None)
        return services.lead_update(actor=request.user, lead=lead, data=data, version=version)

    if submit_form(request, form, save):
        messages.success(request, _("Lead saved."))
        return redirect("leads:detail", pk=lead.pk)
    return render_form(request, form, {"title": lead.company, "subtitle": _("Edit lead"),
                                       "cancel_url": reverse("leads:detail", args=[lead.pk]),
                                       "full_fields": ["notes"]})


# --- leads: detail page and its actions ------------------------------------------------------------

def customer_url(customer_id: int | None) -> str:
    if not customer_id:
        return ""
    try:
        return reverse("customers:detail", args=[customer_id])
    except NoReverseMatch:
        return ""


def _timeline_entries(events: list[Any]) -> list[dict[str, Any]]:
    """Events as they read on the page: who, what, and the changed fields with readable values."""
    from openfunnel.accounts.models import User

    user_ids = {v for e in events for k, pair in (e.changes or {}).items() if k == "owner" for v in pair if v}
    campaign_ids = {v for e in events for k, pair in (e.changes or {}).items() if k == "campaign" for v in pair if v}
    users = {u.pk: u.display_name for u in User.objects.filter(pk__in=user_ids)} if user_ids else {}
    campaigns = dict(Campaign.objects.filter(pk__in=campaign_ids).values_list("pk", "name")) if campaign_ids else {}
    statuses, sources = dict(Lead.Status.choices), dict(Source.choices)

    def readable(field: str, value: Any) -> Any:
        if value in (None, ""):
            return "—"
        if field == "owner":
            return users.get(value, value)
        if field == "campaign":
            return campaigns.get(value, value)
        if field == "status":
            return statuses.get(value, value)
        if field == "source":
            return sources.get(value, value)
        return value

    def label(field: str) -> Any:
        try:
            return Lead._meta.get_field(field).verbose_name
        except Exception:  # noqa: BLE001 - a field renamed since the event was written
            return field

    entries = []
    for event in events:
        changes = [{"field": label(f), "before": readable(f, pair[0]), "after": readable(f, pair[1])}
                   for f, pair in (event.changes or {}).items() if isinstance(pair, list) and len(pair) == 2]
        entries.append({"event": event, "label": verb_label(event.verb), "changes": changes,
                        "actor": event.actor.display_name if event.actor else _("The system"),
                        "customer_url": customer_url(event.data.get("customer"))
                        if event.verb == "lead.converted" else ""})
    return entries


def _render_detail(request: HttpRequest, lead: Lead, *, owner_form: LeadOwnerForm | None = None,
                   convert_form: LeadConvertForm | None = None, status: int = 200) -> HttpResponse:
    actor = request.user
    can_assign = has_perm(actor, "leads.assign") and not lead.is_converted
    can_convert = has_perm(actor, "leads.convert") and not lead.is_converted
    if can_assign and owner_form is None:
        owner_form = LeadOwnerForm(actor=actor)
    suggestions = selectors.lead_customer_suggestions(actor=actor, lead=lead) if can_convert else []
    if can_convert and convert_form is None:
        convert_form = LeadConvertForm(actor=actor, suggestions=suggestions)
    paginator = Paginator(selectors.lead_timeline(actor=actor, lead=lead), 25)
    history = paginator.get_page(request.GET.get("history"))
    return render(request, "leads/lead_detail.html", {
        "title": lead.company, "lead": lead, "status_badge": status_badge(lead),
        "can_edit": has_perm(actor, "leads.edit") and not lead.is_converted,
        "can_delete": has_perm(actor, "leads.delete"),
        "can_assign": can_assign, "can_convert": can_convert,
        "status_choices": [(v, lbl) for v, lbl in Lead.Status.choices
                           if v not in (Lead.Status.CONVERTED, lead.status)],
        "owner_form": owner_form, "owner_action": "transfer" if lead.owner_id else "assign",
        "convert_form": convert_form, "has_suggestions": bool(suggestions),
        "history": history, "entries": _timeline_entries(list(history.object_list)),
        "customer_url": customer_url(lead.converted_customer_id),
    }, status=status)


@login_required
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, selectors.lead_get(actor=request.user, id=pk))


def _act(request: HttpRequest, pk: int, call: Any, success: str) -> HttpResponse:
    """Runs a one-button action on a lead; a refused action is shown as a message on the lead page."""
    lead = selectors.lead_get(actor=request.user, id=pk)
    try:
        call(lead)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("leads:detail", pk=lead.pk)


@login_required
@require_POST
def lead_status(request: HttpRequest, pk: int) -> HttpResponse:
    status = request.POST.get("status", "")[:20]
    return _act(request, pk, lambda lead: services.lead_set_status(actor=request.user, lead=lead, status=status),
                _("Status changed."))


@login_required
@require_POST
def lead_delete(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get(actor=request.user, id=pk)
    services.lead_delete(actor=request.user, lead=lead)
    messages.success(request, _("Lead “%(name)s” moved to the recycle bin.") % {"name": lead.company})
    return redirect("leads:list")


def _change_owner(request: HttpRequest, pk: int, service: Any) -> HttpResponse:
    lead = selectors.lead_get(actor=request.user, id=pk)
    require_perm(request.user, "leads.assign")
    form = LeadOwnerForm(request.POST, actor=request.user)
    if submit_form(request, form, lambda data: service(actor=request.user, lead=lead, owner=data["owner"])):
        messages.success(request, _("Owner changed."))
        return redirect("leads:detail", pk=lead.pk)
    return _render_detail(request, selectors.lead_get(actor=request.user, id=pk), owner_form=form, status=400)


@login_required
@require_POST
def lead_assign(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_owner(request, pk, services.lead_assign)


@login_required
@require_POST
def lead_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_owner(request, pk, services.lead_transfer)


@login_required
@require_POST
def lead_convert(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get(actor=request.user, id=pk)
    require_perm(request.user, "leads.convert")
    suggestions = selectors.lead_customer_suggestions(actor=request.user, lead=lead)
    form = LeadConvertForm(request.POST, actor=request.user, suggestions=suggestions)

    matched: dict[str, Any] = {}

    def convert(data: dict[str, Any]) -> Any:
        existing = data["customer"] if data["mode"] == LeadConvertForm.EXISTING else None
        try:
            return services.lead_convert(actor=request.user, lead=lead, customer=existing,
                                         create_opportunity=data["create_opportunity"],
                                         opportunity=form.opportunity() if data["create_opportunity"] else None)
        except Conflict as error:
            if error.code != "duplicate":
                raise
            # The match is named by the new customer's fields, which this form does not have: show it on top.
            matched.update(error.extra.get("existing", {}))
            raise Conflict(error.message, code="duplicate") from None

    conversion = submit_form(request, form, convert)
    if conversion:
        messages.success(request, _("Lead converted into the customer “%(name)s”.") % {"name": conversion.customer})
        return redirect(customer_url(conversion.customer.pk) or reverse("leads:detail", args=[lead.pk]))
    if matched.get("type") == "customer" and matched.get("id"):
        # Offer the matching customer (visible to the actor, or it would have no id) to attach to instead.
        choices = form.fields["customer"].widget.choices
        if all(str(value) != str(matched["id"]) for value, _label in choices):
            form.fields["customer"].widget.choices = [*choices, (matched["id"], matched.get("name", matched["id"]))]
    return _render_detail(request, selectors.lead_get(actor=request.user, id=pk), convert_form=form, status=400)

