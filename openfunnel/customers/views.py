"""Web pages of customers and contacts: thin adapters over the same services and selectors as the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from openfunnel.accounts.scope import has_perm, require_perm
from openfunnel.core.api import parse_id
from openfunnel.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from openfunnel.core.geo import DISTANCE
from openfunnel.customers import selectors, services
from openfunnel.customers.filters import ContactFilter, CustomerFilter
from openfunnel.customers.forms import (
    ContactForm,
    CustomerForm,
    DedupSettingsForm,
    LevelForm,
    ShareForm,
    TagForm,
    TransferForm,
)
from openfunnel.customers.models import Customer
from openfunnel.pool.listing import RECLAIM_COLUMN, attach_reclaim_outlook
from openfunnel.pool.nearby import DISTANCE_COLUMN, nearby
from openfunnel.web.choices import lighten_form
from openfunnel.web.forms import render_form, submit_form
from openfunnel.web.listing import Column, ListPage


def _tags(customer: Customer) -> Any:
    # The list prefetches the tags: read them without building a related manager for every row.
    tags = getattr(customer, "_prefetched_objects_cache", {}).get("tags")
    if tags is None:
        tags = customer.tags.all()
    return format_html_join(" ", '<span class="badge">{}</span>', ((t.name,) for t in tags))


def _owner(customer: Customer) -> Any:
    return customer.owner.display_name if customer.owner else _("Public pool")


CUSTOMER_COLUMNS = [
    Column("name", gettext_lazy("Name"), sort="name", link=True),
    Column(
        "level", gettext_lazy("Level"), sort="level__order", render=lambda c: c.level.name if c.level else ""
    ),
    Column("status", gettext_lazy("Status"), sort="status"),
    Column("owner", gettext_lazy("Owner"), render=_owner),
    Column("industry", gettext_lazy("Industry"), sort="industry"),
    Column("region", gettext_lazy("Region"), sort="region"),
    Column("phone", gettext_lazy("Phone")),
    Column("tags", gettext_lazy("Tags"), render=_tags),
    Column("last_follow_up_at", gettext_lazy("Last follow-up"), sort="last_follow_up_at"),
    Column("next_follow_up_at", gettext_lazy("Next follow-up"), sort="next_follow_up_at"),
    Column("created_at", gettext_lazy("Created"), sort="created_at"),
    Column("size", pgettext_lazy("company size", "Size"), sort="size", default=False),
    Column("source", gettext_lazy("Source"), sort="source", default=False),
    Column(
        "campaign",
        gettext_lazy("Campaign"),
        render=lambda c: c.campaign.name if c.campaign else "",
        default=False,
    ),
    Column("uscc", gettext_lazy("USCC"), default=False),
    Column("email", gettext_lazy("E-mail"), default=False),
    Column("address", gettext_lazy("Address"), default=False),
]

CONTACT_COLUMNS = [
    Column("name", pgettext_lazy("person", "Name"), sort="name", link=True),
    Column(
        "customer",
        gettext_lazy("Customer"),
        sort="customer__name",
        render=lambda c: format_html('<a href="{}">{}</a>', c.customer.get_absolute_url(), c.customer.name),
    ),
    Column("title", pgettext_lazy("job title", "Title"), sort="title"),
    Column("phone", gettext_lazy("Phone")),
    Column("email", gettext_lazy("E-mail")),
    Column("decision_role", gettext_lazy("Decision role"), sort="decision_role"),
    Column("is_primary", gettext_lazy("Primary"), render=lambda c: _("yes") if c.is_primary else ""),
    Column("wechat", gettext_lazy("WeChat"), default=False),
    Column("birthday", gettext_lazy("Birthday"), sort="birthday", default=False),
    Column("created_at", gettext_lazy("Created"), sort="created_at", default=False),
]


def _duplicate_aware(
    save: Callable[[dict[str, Any]], Any], holder: dict[str, Any]
) -> Callable[[dict[str, Any]], Any]:
    """Remembers a duplicate conflict's `existing` record so the form can link to it when visible."""

    def wrapped(data: dict[str, Any]) -> Any:
        try:
            return save(data)
        except Conflict as error:
            if error.code == "duplicate":
                holder["duplicate"] = error.extra.get("existing")
            raise

    return wrapped


def _existing_url(existing: dict[str, Any] | None) -> str | None:
    """Where the record a duplicate conflict names can be opened (only when its id was disclosed)."""
    if not existing or not existing.get("id"):
        return None
    name = "customers:detail" if existing.get("type") == "customer" else "leads:detail"
    try:
        return reverse(name, args=[existing["id"]])
    except NoReverseMatch:
        return None


def _attachment_download_available() -> bool:
    try:
        reverse("activities:attachment_download", args=[1])
    except NoReverseMatch:
        return False
    return True


# --- customers ------------------------------------------------------------------------------------------


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    # ?lat=&lng= (the "Nearby" button): a distance column, nearest first.
    customers, located = nearby(request, selectors.customer_list(actor=request.user, collaborators=False))
    page = ListPage(
        request,
        customers,
        columns=[CUSTOMER_COLUMNS[0], *([DISTANCE_COLUMN] if located.point else []), *CUSTOMER_COLUMNS[1:],
                 RECLAIM_COLUMN],
        key="customers",
        filterset_class=CustomerFilter,
        default_sort=DISTANCE if located.point else "-created_at",
    )
    attach_reclaim_outlook(page.page.object_list, user=request.user)
    actions: list[Any] = (
        [{"url": reverse("customers:create"), "label": _("New customer")}]
        if has_perm(request.user, "customers.create")
        else []
    )
    actions += [{"url": reverse("customers:list") + "?owner=me", "label": _("My customers")}, located]
    mine = request.GET.get("owner") in ("me", str(request.user.pk))
    return render(request, "web/list_page.html",
                  {"page": page, "title": _("My customers") if mine else _("Customers"), "actions": actions})


@login_required
def customer_create(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "customers.create")
    form = CustomerForm(request.POST or None, actor=request.user)
    holder: dict[str, Any] = {}
    customer = submit_form(
        request,
        form,
        _duplicate_aware(lambda data: services.customer_create(actor=request.user, **data), holder),
    )
    if customer:
        messages.success(request, _("Customer “%(name)s” created.") % {"name": customer.name})
        return redirect(customer)
    return render_form(
        request,
        form,
        {
            "title": _("New customer"),
            "cancel_url": reverse("customers:list"),
            "duplicate": holder.get("duplicate"),
            "duplicate_url": _existing_url(holder.get("duplicate")),
        },
        template="customers/form.html",
    )


@login_required
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get_for_edit(actor=request.user, id=pk)
    form = CustomerForm(request.POST or None, instance=customer, actor=request.user)
    holder: dict[str, Any] = {}

    def save(data: dict[str, Any]) -> Any:
        return services.customer_update(
            actor=request.user, customer=customer, data=form.changes(), expected_version=data["version"]
        )

    if submit_form(request, form, _duplicate_aware(save, holder)):
        messages.success(request, _("Customer saved."))
        return redirect(customer)
    return render_form(
        request,
        form,
        {
            "title": customer.name,
            "cancel_url": customer.get_absolute_url(),
            "duplicate": holder.get("duplicate"),
            "duplicate_url": _existing_url(holder.get("duplicate")),
        },
        template="customers/form.html",
    )


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    customer = selectors.customer_detail(actor=actor, id=pk)
    timeline = selectors.customer_timeline(
        actor=actor, customer=customer, page=request.GET.get("timeline_page", 1)
    )
    can_edit = selectors.customer_can_edit(actor, customer)
    can_edit_contacts = selectors.contacts_editable(actor, customer)
    can_share = selectors.customer_can_share(actor, customer)
    can_transfer = selectors.customer_can_transfer(actor, customer)
    context = {
        "title": customer.name,
        "customer": customer,
        "contacts": list(selectors.customer_contacts(actor=actor, customer=customer)),
        "timeline": timeline,
        "entries": selectors.timeline_entries(timeline.object_list),
        "panels": DEFERRED_PANELS,
        "collaborators": selectors.customer_collaborators(actor=actor, customer=customer),
        "can_edit": can_edit,
        "can_edit_contacts": can_edit_contacts,
        "can_share": can_share,
        "can_transfer": can_transfer,
        "can_delete": selectors.customer_can_delete(actor, customer),
        "contact_form": ContactForm() if can_edit_contacts else None,
        "share_form": lighten_form(ShareForm(actor=actor, customer=customer), actor, {"user": "active"})
        if can_share else None,
        "transfer_form": lighten_form(TransferForm(actor=actor, customer=customer), actor, {"owner": "scope_active"})
        if can_transfer else None,
    }
    return render(request, "customers/detail.html", context)


# The 360° page's secondary panels: the first answer holds the customer, contacts and timeline; these follow
# at once through htmx (each with the same scope check as the page).
DEFERRED_PANELS = ("opportunities", "activities", "attachments", "pool")


@login_required
def customer_panel(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    customer = selectors.customer_get(actor=request.user, id=pk)  # the page's scope, without its tags and shares
    if name not in DEFERRED_PANELS:
        raise NotFound()
    if not request.headers.get("HX-Request"):
        return redirect(customer)
    context: dict[str, Any] = {"customer": customer, "panel": name, "return_to": customer.get_absolute_url()}
    if name == "attachments":
        context.update(
            attachments=list(selectors.customer_attachments(actor=request.user, customer=customer)[:50]),
            attachment_download=_attachment_download_available(),
        )
    return render(request, "customers/_panel.html", context)


@login_required
def customer_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """An older page of the timeline: list items for htmx to append, or the 360° page at that page."""
    customer = selectors.customer_get(actor=request.user, id=pk)
    page = request.GET.get("page", "1")
    if not request.headers.get("HX-Request"):
        return redirect(f"{customer.get_absolute_url()}?timeline_page={page if page.isdigit() else 1}")
    timeline = selectors.customer_timeline(actor=request.user, customer=customer, page=page)
    return render(
        request,
        "customers/_timeline_items.html",
        {
            "customer": customer,
            "timeline": timeline,
            "entries": selectors.timeline_entries(timeline.object_list),
        },
    )


@login_required
def customer_delete(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get(actor=request.user, id=pk)
    if not selectors.customer_can_delete(request.user, customer):
        raise PermissionDenied()
    if request.method == "POST":
        services.customer_delete(actor=request.user, customer=customer)
        messages.success(
            request, _("Customer “%(name)s” moved to the recycle bin.") % {"name": customer.name}
        )
        return redirect("customers:list")
    return render(
        request,
        "customers/confirm_delete.html",
        {
            "title": _("Delete customer"),
            "object": customer,
            "cancel_url": customer.get_absolute_url(),
            "message": _("Delete the customer “%(name)s”? It goes to the recycle bin and can be restored.")
            % {"name": customer.name},
        },
    )


@login_required
def customer_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get(actor=request.user, id=pk)
    if not selectors.customer_can_transfer(request.user, customer):
        raise PermissionDenied()
    form = TransferForm(request.POST or None, actor=request.user, customer=customer)
    if submit_form(
        request,
        form,
        lambda data: services.customer_transfer(actor=request.user, customer=customer, owner=data["owner"]),
    ):
        messages.success(
            request,
            _("Customer transferred to %(owner)s.") % {"owner": form.cleaned_data["owner"].display_name},
        )
        return redirect(customer)
    return render_form(
        request,
        form,
        {
            "title": _("Transfer “%(name)s”") % {"name": customer.name},
            "submit_label": _("Transfer"),
            "cancel_url": customer.get_absolute_url(),
        },
    )


@login_required
def customer_share(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get(actor=request.user, id=pk)
    if not selectors.customer_can_share(request.user, customer):
        raise PermissionDenied()
    form = ShareForm(request.POST or None, actor=request.user, customer=customer)
    if submit_form(
        request,
        form,
        lambda data: services.customer_share(
            actor=request.user, customer=customer, user=data["user"], can_edit=data["can_edit"]
        ),
    ):
        messages.success(
            request, _("%(user)s is now a collaborator.") % {"user": form.cleaned_data["user"].display_name}
        )
        return redirect(customer)
    return render_form(
        request,
        form,
        {
            "title": _("Add a collaborator to “%(name)s”") % {"name": customer.name},
            "submit_label": _("Share"),
            "cancel_url": customer.get_absolute_url(),
        },
    )


@login_required
@require_POST
def customer_unshare(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get(actor=request.user, id=pk)
    try:
        user = selectors.user_for_reference(parse_id(request.POST.get("user")))
    except NotFound:
        user = None
    try:
        services.customer_unshare(actor=request.user, customer=customer, user=user)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        messages.error(
            request, " ".join(str(m) for ms in error.fields.values() for m in ms) or str(error.message)
        )
        return redirect(customer)
    if user is not None and user.pk == request.user.pk:
        messages.success(request, _("You left the customer’s collaborators."))
        if not selectors.customers_visible_to(request.user).filter(pk=customer.pk).exists():
            return redirect("customers:list")
    else:
        messages.success(request, _("Collaborator removed."))
    return redirect(customer)


# --- contacts -------------------------------------------------------------------------------------------


@login_required
def contact_list(request: HttpRequest) -> HttpResponse:
    page = ListPage(
        request,
        selectors.contact_list(actor=request.user),
        columns=CONTACT_COLUMNS,
        key="contacts",
        filterset_class=ContactFilter,
        default_sort="name",
    )
    return render(request, "web/list_page.html", {"page": page, "title": _("Contacts"), "actions": []})


@login_required
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(actor=request.user, id=pk)
    events = selectors.contact_events(actor=request.user, contact=contact)[:30]
    can_edit = selectors.contacts_editable(request.user, contact.customer)
    return render(
        request,
        "customers/contact_detail.html",
        {
            "title": contact.name,
            "contact": contact,
            "entries": selectors.timeline_entries(events),
            "can_edit": can_edit,
        },
    )


@login_required
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get(actor=request.user, id=pk)
    if not selectors.contacts_editable(request.user, customer):
        raise PermissionDenied()
    form = ContactForm(request.POST or None)
    contact = submit_form(
        request, form, lambda data: services.contact_create(actor=request.user, customer=customer, **data)
    )
    if contact:
        messages.success(request, _("Contact “%(name)s” added.") % {"name": contact.name})
        return redirect(customer)
    return render_form(
        request,
        form,
        {
            "title": _("New contact of “%(name)s”") % {"name": customer.name},
            "cancel_url": customer.get_absolute_url(),
        },
    )


@login_required
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(actor=request.user, id=pk)
    if not selectors.contacts_editable(request.user, contact.customer):
        raise PermissionDenied()
    form = ContactForm(request.POST or None, instance=contact)

    def save(data: dict[str, Any]) -> Any:
        return services.contact_update(
            actor=request.user, contact=contact, data=form.changes(), expected_version=data["version"]
        )

    if submit_form(request, form, save):
        messages.success(request, _("Contact saved."))
        return redirect(contact)
    return render_form(
        request,
        form,
        {"title": contact.name, "subtitle": contact.customer.name, "cancel_url": contact.get_absolute_url()},
    )


@login_required
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(actor=request.user, id=pk)
    if not selectors.contacts_editable(request.user, contact.customer):
        raise PermissionDenied()
    if request.method == "POST":
        services.contact_delete(actor=request.user, contact=contact)
        messages.success(request, _("Contact “%(name)s” moved to the recycle bin.") % {"name": contact.name})
        return redirect(contact.customer)
    return render(
        request,
        "customers/confirm_delete.html",
        {
            "title": _("Delete contact"),
            "object": contact,
            "cancel_url": contact.get_absolute_url(),
            "message": _(
                "Delete the contact “%(name)s” of %(customer)s? It goes to the recycle bin and can be "
                "restored."
            )
            % {"name": contact.name, "customer": contact.customer.name},
        },
    )


@login_required
@require_POST
def contact_set_primary(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(actor=request.user, id=pk)
    services.contact_set_primary(actor=request.user, contact=contact)
    messages.success(request, _("%(name)s is now the primary contact.") % {"name": contact.name})
    if request.POST.get("next") == "contact":
        return redirect(contact)
    return redirect(contact.customer)


# --- settings -------------------------------------------------------------------------------------------


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "config.manage")
    return render(
        request,
        "customers/settings.html",
        {
            "title": _("Customer settings"),
            "levels": selectors.levels_all(),
            "tags": selectors.tags_all(),
            "dedup_form": DedupSettingsForm(instance=selectors.dedup_settings_get()),
            "level_form": LevelForm(),
            "tag_form": TagForm(initial={"color": "#64748b"}),
        },
    )


def _settings_form(
    request: HttpRequest, form: Any, save: Callable[[dict[str, Any]], Any], title: Any, done: Any
) -> HttpResponse:
    if submit_form(request, form, save):
        messages.success(request, done)
        return redirect("customers:settings")
    return render_form(request, form, {"title": title, "cancel_url": reverse("customers:settings")})


@login_required
def level_create(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "config.manage")
    form = LevelForm(request.POST or None)

    def save(data: dict[str, Any]) -> Any:
        level = services.level_create(
            actor=request.user, code=data["code"], name=data["name"], order=data["order"] or 0
        )
        if not data["is_active"]:
            services.level_deactivate(actor=request.user, level=level)
        return level

    return _settings_form(request, form, save, _("New customer level"), _("Level created."))


@login_required
def level_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request.user, "config.manage")
    level = selectors.level_get(actor=request.user, id=pk)
    form = LevelForm(request.POST or None, instance=level)
    return _settings_form(
        request,
        form,
        lambda data: services.level_update(actor=request.user, level=level, data=form.changes()),
        level.name,
        _("Level saved."),
    )


@login_required
def tag_create(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "config.manage")
    form = TagForm(request.POST or None)
    return _settings_form(
        request,
        form,
        lambda data: services.tag_create(actor=request.user, **data),
        _("New tag"),
        _("Tag created."),
    )


@login_required
def tag_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request.user, "config.manage")
    tag = selectors.tag_get(actor=request.user, id=pk)
    form = TagForm(request.POST or None, instance=tag)
    return _settings_form(
        request,
        form,
        lambda data: services.tag_update(actor=request.user, tag=tag, data=form.changes()),
        tag.name,
        _("Tag saved."),
    )


@login_required
@require_POST
def tag_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request.user, "config.manage")
    tag = selectors.tag_get(actor=request.user, id=pk)
    services.tag_delete(actor=request.user, tag=tag)
    messages.success(request, _("Tag “%(name)s” deleted.") % {"name": tag.name})
    return redirect("customers:settings")


@login_required
def dedup_settings(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "config.manage")
    form = DedupSettingsForm(request.POST or None, instance=selectors.dedup_settings_get())
    return _settings_form(
        request,
        form,
        lambda data: services.dedup_settings_update(actor=request.user, data=data),
        _("Duplicate check"),
        _("Duplicate check settings saved."),
    )
