"""Web pages of the public pool: thin adapters over the same services and selectors as the API."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import EmptyPage
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from openfunnel.accounts.scope import has_perm, require_perm
from openfunnel.core.errors import DomainError
from openfunnel.core.pagination import CappedPaginator
from openfunnel.core.geo import nearest_first
from openfunnel.pool import selectors, services
from openfunnel.pool.filters import PoolEventFilter
from openfunnel.pool.forms import AssignForm, DryRunForm, LeadReleaseForm, PoolForm, ReleaseForm
from openfunnel.pool.models import Pool
from openfunnel.pool.nearby import nearby
from openfunnel.pool.rules import RULE_NAMES
from openfunnel.web.forms import render_form, submit_form
from openfunnel.web.listing import Column, ListPage


def _assign_permission(pool: Pool) -> str:
    return "leads.assign" if pool.kind == Pool.Kind.LEAD else "customers.transfer"


def _can_assign(actor: Any, pool: Pool) -> bool:
    return has_perm(actor, _assign_permission(pool)) and pool.claim_mode != Pool.ClaimMode.FREE


def _can_claim(actor: Any, pool: Pool) -> bool:
    permission = "leads.edit" if pool.kind == Pool.Kind.LEAD else "customers.edit"
    return has_perm(actor, permission) and pool.claim_mode != Pool.ClaimMode.ASSIGN


@login_required
def pool_list(request: HttpRequest) -> HttpResponse:
    pools = list(selectors.pool_list(actor=request.user))
    return render(request, "pool/pool_list.html", {
        "title": _("Public pool"), "pools": pools, "is_admin": selectors.is_pool_admin(request.user),
        "can_dry_run": _can_dry_run(request.user)})


# Past the cap the paginator takes any page number on trust; one the database cannot offset by would be a 500.
MAX_PAGE = 1_000_000


def _page(paginator: CappedPaginator, raw: str | None) -> Any:
    """The page asked for; the first page for a number that is not one, or past the last page."""
    try:
        number = int(raw or 1)
    except ValueError:
        number = 1
    try:
        return paginator.page(number if 1 <= number <= MAX_PAGE else 1)
    except EmptyPage:
        return paginator.page(1)


@login_required
def pool_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pool = selectors.pool_get(actor=request.user, id=pk)
    return _render_detail(request, pool)


def _render_detail(request: HttpRequest, pool: Pool, assign_form: AssignForm | None = None,
                   status: int = 200) -> HttpResponse:
    query = (request.GET.get("q") or "").strip()[:100]
    located = None
    if pool.kind == Pool.Kind.LEAD:
        customers = selectors.pool_leads(actor=request.user, pool=pool, search=query)
    else:
        customers, located = nearby(request, selectors.pool_customers(actor=request.user, pool=pool, search=query))
        if located.point:
            customers = nearest_first(customers)
    # a big pool holds ~100k customers: count up to the cap like the other lists, never all of them
    page = _page(CappedPaginator(customers, 25), request.GET.get("page"))
    kept = {"q": query, **({"lat": request.GET["lat"], "lng": request.GET["lng"]} if located and located.point else {})}
    can_assign = _can_assign(request.user, pool)
    if can_assign and assign_form is None:
        assign_form = AssignForm(actor=request.user, ids=[c.pk for c in page.object_list],
                                 rows="leads" if pool.kind == Pool.Kind.LEAD else "customers")
    return render(request, "pool/pool_detail.html", {
        "title": pool.name, "pool": pool, "page": page, "query": query, "nearby": located,
        "page_query": urlencode({k: v for k, v in kept.items() if v}),
        "can_claim": _can_claim(request.user, pool), "can_assign": can_assign,
        "assign_form": assign_form if can_assign else None,
        "is_admin": selectors.is_pool_admin(request.user)}, status=status)


@login_required
@require_POST
def pool_claim(request: HttpRequest, pk: int) -> HttpResponse:
    pool = selectors.pool_get(actor=request.user, id=pk, related=False)
    try:
        if pool.kind == Pool.Kind.LEAD:
            lead = services.lead_claim(actor=request.user, pool=pool, lead_id=request.POST.get("lead"))
            messages.success(request, _("You now own “%(name)s”.") % {"name": lead.company})
            return HttpResponseRedirect(lead.get_absolute_url())
        customer = services.customer_claim(actor=request.user, pool=pool, customer_id=request.POST.get("customer"))
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, str(error.message))
        return _render_detail(request, pool, status=error.status)
    messages.success(request, _("You now own “%(name)s”.") % {"name": customer.name})
    # the URL itself: redirect() would first try it as a URL name (a failed reverse, ~0.1 ms a claim)
    return HttpResponseRedirect(customer.get_absolute_url())


@login_required
@require_POST
def pool_assign(request: HttpRequest, pk: int) -> HttpResponse:
    pool = selectors.pool_get(actor=request.user, id=pk)
    if not _can_assign(request.user, pool):
        require_perm(request.user, _assign_permission(pool))
        return _render_detail(request, pool, status=403)
    rows = "leads" if pool.kind == Pool.Kind.LEAD else "customers"
    ids = [int(v) for v in request.POST.getlist(rows) if v.isdigit() and len(v) < 19]
    form = AssignForm(request.POST, actor=request.user, ids=ids, rows=rows)

    def assign(data: dict[str, Any]) -> Any:
        if rows == "leads":
            return services.leads_assign(actor=request.user, pool=pool, lead_ids=data["leads"],
                                         owners=list(data["owners"]), strategy=data["strategy"])
        return services.customers_assign(actor=request.user, pool=pool, customer_ids=data["customers"],
                                         owners=list(data["owners"]), strategy=data["strategy"])

    assigned = submit_form(request, form, assign)
    if assigned:
        message = (ngettext("%(count)d lead assigned.", "%(count)d leads assigned.", len(assigned)) if rows == "leads"
                   else _("%(count)d customer(s) assigned.")) % {"count": len(assigned)}
        messages.success(request, message)
        return redirect("pool:detail", pk=pool.pk)
    for message in form.non_field_errors():
        messages.error(request, message)
    return _render_detail(request, pool, assign_form=form, status=400)


@login_required
def customer_release(request: HttpRequest, pk: int) -> HttpResponse:
    from openfunnel.customers.selectors import customer_get

    customer = customer_get(actor=request.user, id=pk)
    form = ReleaseForm(request.POST or None, actor=request.user)
    released = submit_form(request, form, lambda data: services.customer_release(
        actor=request.user, customer=customer, pool=data["pool"], reason=data["reason"]))
    if released:
        messages.success(request, _("“%(name)s” went back to the pool.") % {"name": customer.name})
        return redirect("pool:detail", pk=released.pool_id) if selectors.pools_visible_to(request.user).filter(
            pk=released.pool_id).exists() else redirect("customers:list")
    return render_form(request, form, {"title": _("Release “%(name)s” to the pool") % {"name": customer.name},
                                       "cancel_url": customer.get_absolute_url(),
                                       "submit_label": _("Release to the pool")})


@login_required
def lead_release(request: HttpRequest, pk: int) -> HttpResponse:
    from openfunnel.leads.selectors import lead_get

    lead = lead_get(actor=request.user, id=pk)
    form = LeadReleaseForm(request.POST or None, actor=request.user)
    released = submit_form(request, form, lambda data: services.lead_release(
        actor=request.user, lead=lead, pool=data["pool"], reason=data["reason"]))
    if released:
        messages.success(request, _("“%(name)s” went back to the lead pool.") % {"name": lead.company})
        return redirect("leads:detail", pk=lead.pk) if _lead_visible(request.user, lead.pk) else redirect("leads:list")
    return render_form(request, form, {"title": _("Release “%(name)s” to the lead pool") % {"name": lead.company},
                                       "cancel_url": lead.get_absolute_url(),
                                       "submit_label": _("Release to the lead pool")})


def _lead_visible(actor: Any, lead_id: int) -> bool:
    from openfunnel.leads.selectors import leads_visible_to

    return leads_visible_to(actor).filter(pk=lead_id).exists()


@login_required
def pool_create(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "config.manage")
    form = PoolForm(request.POST or None)
    pool = submit_form(request, form, lambda data: services.pool_create(actor=request.user, **form.service_args()))
    if pool:
        messages.success(request, _("Pool “%(name)s” created.") % {"name": pool.name})
        return redirect("pool:detail", pk=pool.pk)
    return render_form(request, form, {"title": _("New pool"), "cancel_url": reverse("pool:list")})


@login_required
def pool_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pool = selectors.pool_detail(actor=request.user, id=pk)
    require_perm(request.user, "config.manage")
    form = PoolForm(request.POST or None, instance=pool)
    saved = submit_form(request, form, lambda data: services.pool_update(actor=request.user, pool=pool,
                                                                         **form.service_args()))
    if saved:
        messages.success(request, _("Pool settings saved."))
        return redirect("pool:detail", pk=pool.pk)
    return render_form(request, form, {"title": _("Pool settings: %(name)s") % {"name": pool.name},
                                       "cancel_url": reverse("pool:detail", args=[pool.pk])})


EVENT_COLUMNS = [
    Column("at", gettext_lazy("Time"), sort="at"),
    Column("kind", gettext_lazy("Event"), sort="kind"),
    Column("customer", gettext_lazy("Customer"), render=lambda e: e.customer.name if e.customer else ""),
    Column("lead", gettext_lazy("Lead"), render=lambda e: e.lead.company if e.lead else ""),
    Column("user", gettext_lazy("Rep"), render=lambda e: e.user.display_name if e.user else ""),
    Column("actor", gettext_lazy("By"), render=lambda e: e.actor.display_name if e.actor else _("System")),
    Column("pool", gettext_lazy("Pool"), render=lambda e: e.pool.name if e.pool else ""),
    Column("rule", gettext_lazy("Rule"), render=lambda e: RULE_NAMES.get(e.rule, "")),
    Column("reason", gettext_lazy("Reason")),
]


@login_required
def pool_event_list(request: HttpRequest) -> HttpResponse:
    page = ListPage(request, selectors.pool_events_visible_to(request.user), columns=EVENT_COLUMNS,
                    key="pool_events", filterset_class=PoolEventFilter, default_sort="-at")
    return render(request, "web/list_page.html", {"page": page, "title": _("Pool log")})


def _month_start(now: dt.datetime) -> dt.date:
    return timezone.localdate(now).replace(day=1)


@login_required
def pool_statistics(request: HttpRequest) -> HttpResponse:
    form = DryRunForm(request.GET or None)  # reuses the date field: statistics since that date
    since_day = form.cleaned_data["date"] if form.is_bound and form.is_valid() else _month_start(timezone.now())
    since = timezone.make_aware(dt.datetime.combine(since_day, dt.time.min))
    rows = selectors.pool_statistics(actor=request.user, since=since)
    return render(request, "pool/statistics.html", {"title": _("Pool statistics"), "rows": rows,
                                                    "since": since_day, "form": form})


def _can_dry_run(actor: Any) -> bool:
    return selectors.is_pool_admin(actor) or has_perm(actor, "customers.transfer")


@login_required
def reclaim_dry_run(request: HttpRequest) -> HttpResponse:
    if not _can_dry_run(request.user):
        require_perm(request.user, "config.manage")
    form = DryRunForm(request.GET or None, initial={"date": timezone.localdate()})
    rows: list[dict[str, Any]] = []
    at = None
    if form.is_bound and form.is_valid():
        at = timezone.make_aware(dt.datetime.combine(form.cleaned_data["date"], dt.time(23, 59, 59)))
        rows = selectors.reclaim_preview(actor=request.user, at=at)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "pool/dry_run.html", {"title": _("Reclaim dry run"), "form": form, "rows": rows,
                                                 "at": at}, status=status)
