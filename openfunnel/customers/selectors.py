"""Reads of customers and contacts, always starting from the actor's data scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, Q, QuerySet, Value, When

from openfunnel.accounts.scope import has_perm, request_cached, visible_owner_ids
from openfunnel.core.api import parse_id
from openfunnel.core.branches import not_for_index
from openfunnel.core.compiled import CompiledQuery
from openfunnel.core.errors import NotFound, PermissionDenied
from openfunnel.core.prefetch import CompiledPrefetch
from openfunnel.customers import search_index
from openfunnel.customers.models import Contact, Customer, CustomerLevel, CustomerShare, DedupSettings, Tag


@dataclass(frozen=True)
class ScopeRefs:
    """What a scope holds besides the owners: the customers shared with the actor and the actor's member pools
    (split by whether their members see the customers' history)."""

    shared: list[int]
    history_pools: list[int]
    basic_pools: list[int]


def scope_refs(actor: Any) -> ScopeRefs:
    """The actor's shares and member pools, in one query (once per read-only request).

    Resolved to ids rather than left as subqueries: a scope that ORs owner ids with subqueries keeps
    PostgreSQL from using any index (it scans every customer), while an OR of id lists is a union of
    index scans.
    """
    def compute() -> ScopeRefs:
        from openfunnel.pool.selectors import department_chain

        departments = department_chain(actor)
        # compiled while the departments are ids (the signed-in user's, from the process's copy of the tree)
        rows = (_scope_refs_rows.all(actor.pk, departments) if isinstance(departments, list)
                else _scope_refs_query(actor.pk, departments))
        refs = ScopeRefs([], [], [])
        lists = (refs.shared, refs.history_pools, refs.basic_pools)
        for pk, kind in rows:
            lists[kind].append(pk)
        for values in lists:
            values.sort()
        return refs

    return request_cached(actor, "customer_scope_refs", compute)


def _scope_refs_query(user_id: Any, departments: Any) -> QuerySet[Any]:
    """(id, kind) rows: kind 0 a customer shared with the user, 1 a member pool whose members see the history,
    2 another member pool."""
    from openfunnel.pool.models import Pool
    from openfunnel.pool.selectors import member_pool_ids_of

    shares = (CustomerShare.objects.filter(user_id=user_id).order_by()
              .annotate(ref_kind=Value(0)).values_list("customer_id", "ref_kind"))
    pools = (Pool.objects.filter(pk__in=member_pool_ids_of(user_id, departments)).order_by()
             .annotate(ref_kind=Case(When(members_see_history=True, then=Value(1)), default=Value(2)))
             .values_list("pk", "ref_kind"))
    return shares.union(pools, all=True)


_scope_refs_rows = CompiledQuery(_scope_refs_query, prepared=True)


def customer_scope_q(actor: Any, prefix: str = "", *, pool_basics: bool = False) -> Q:
    """Customers whose records the actor sees: owned within the role's scope, shared with the actor, or in a
    public pool the actor is a member of (openfunnel.pool) whose members may see the history.

    `pool_basics` adds the other member pools' customers: their basic fields only (customers_visible_to);
    follow-ups, opportunities and contacts of those stay private.
    """
    return _scope(actor, prefix, pool_basics=pool_basics)[0]


# From this many owners on (SQLite), the owners' branch is read in the list's order rather than by owner
TEAM_READ_IN_ORDER = 8


def _scope(actor: Any, prefix: str = "", *, pool_basics: bool) -> tuple[Q, list[Q]]:
    """customer_scope_q, and the same as the branches of its OR, each a range of an index in a list's order:
    the owners, the shared customers, each member pool (see core.branches); no branches when the scope is
    everyone's."""
    ids = visible_owner_ids(actor)
    if ids is None:
        return Q(), []
    refs = scope_refs(actor)
    q = Q(**{f"{prefix}owner_id__in": ids})
    # a rep's few hundred customers are best read from the owner index; a team's, in the list's order
    branches = [q if len(ids) < TEAM_READ_IN_ORDER else not_for_index(q)]
    if refs.shared:
        branches.append(Q(**{f"{prefix}id__in": refs.shared}))
        q |= branches[-1]
    pools = refs.history_pools + (refs.basic_pools if pool_basics else [])
    if pools:
        q |= Q(**{f"{prefix}owner_id__isnull": True, f"{prefix}pool_id__in": pools})
        unowned = not_for_index(Q(**{f"{prefix}owner_id__isnull": True}))
        branches += [unowned & Q(**{f"{prefix}pool_id": pool}) for pool in pools]
    return q, branches


def customers_visible_to(actor: Any) -> QuerySet[Customer]:
    """Every customer the actor may see (not deleted), pool customers' basic fields included."""
    return Customer.objects.filter(customer_scope_q(actor, pool_basics=True), deleted_at__isnull=True)


def _customers_in_branches(actor: Any) -> QuerySet[Customer]:
    """customers_visible_to, its slices read branch by branch of the scope (core.branches)."""
    scope, branches = _scope(actor, pool_basics=True)
    return Customer.objects.filter(deleted_at__isnull=True).filter_in_branches(scope, branches, walked=("-created_at",))


def customer_in_scope(actor: Any, customer: Customer, *, pool_basics: bool = False) -> bool:
    """customer_scope_q for a customer already in hand: answered from the scope's ids when the customer as
    fetched is in scope (no query, the 360° page asks several times), else asked of the database (the
    object may predate a transfer or a share)."""
    ids = visible_owner_ids(actor)
    if ids is None or customer.owner_id in ids:
        return True
    refs = scope_refs(actor)
    pools = refs.history_pools + (refs.basic_pools if pool_basics else [])
    if customer.pk in refs.shared or (customer.owner_id is None and customer.pool_id in pools):
        return True
    return Customer.objects.filter(customer_scope_q(actor, pool_basics=pool_basics), pk=customer.pk).exists()


def customer_history_hidden(actor: Any, customer: Customer) -> bool:
    """True when the actor sees this pool customer's basic fields only (a pool member, the pool keeps the
    history private): timeline, contacts and files then show nothing beyond the pool's own events."""
    return not customer_in_scope(actor, customer)


def _check_visible(actor: Any, customer: Customer) -> None:
    """NotFound unless the customer (as fetched) is one the actor may see."""
    if customer.deleted_at is None and customer_in_scope(actor, customer, pool_basics=True):
        return
    if not customers_visible_to(actor).filter(pk=customer.pk).exists():
        raise NotFound()


def customer_get(*, actor: Any, id: Any) -> Customer:
    """One visible customer; NotFound when missing, deleted or out of scope."""
    customer = (
        customers_visible_to(actor)
        .select_related("owner", "level", "campaign")
        .filter(pk=parse_id(id))
        .first()
    )
    if customer is None:
        raise NotFound()
    return customer


def customer_in_role_scope(actor: Any, customer: Customer) -> bool:
    """True when the customer's owner is within the actor's role scope (a share alone does not count)."""
    ids = visible_owner_ids(actor)
    return ids is None or customer.owner_id in ids


def customer_write_access(actor: Any, customer: Customer) -> bool:
    """The actor may change the record: owner within the role's scope, or a collaborator allowed to edit.

    Says nothing about the action's permission (customers.edit, contacts.edit, ...): callers check it.
    """
    if customer_in_role_scope(actor, customer):
        return True
    return CustomerShare.objects.filter(customer=customer, user_id=actor.pk, can_edit=True).exists()


def customer_can_edit(actor: Any, customer: Customer) -> bool:
    """customers.edit plus write access to this customer."""
    return has_perm(actor, "customers.edit") and customer_write_access(actor, customer)


def customer_get_for_edit(*, actor: Any, id: Any) -> Customer:
    """A visible customer the actor may change; NotFound out of scope, PermissionDenied when read-only."""
    customer = customer_get(actor=actor, id=id)
    if not customer_can_edit(actor, customer):
        raise PermissionDenied()
    return customer


# what prefetch_related("tags", "shares__user") leaves on a page of customers, from SQL compiled once (core.prefetch)
_PAGE_TAGS = CompiledPrefetch(
    "tags",
    lambda ids: (Customer.tags.through.objects.filter(customer_id__in_array=ids).select_related("tag")
                 .order_by("tag__name", "tag_id")),
    owner=lambda link: link.customer_id, value=lambda link: link.tag)
_PAGE_SHARES = CompiledPrefetch(
    "shares",
    lambda ids: CustomerShare.objects.filter(customer_id__in_array=ids).select_related("user").order_by("id"),
    owner=lambda share: share.customer_id, back="customer")


def customer_list(*, actor: Any, collaborators: bool = True) -> QuerySet[Customer]:
    """The actor's visible customers with everything a list row shows, in a fixed number of queries
    (the web list has no collaborators column: it leaves their query out).

    A page of it is read branch by branch of the scope (core.branches): the first page of a scope holding a
    pool's 200,000 customers reads a few index entries per branch instead of sorting the whole scope."""
    return _with_row_data(_customers_in_branches(actor), collaborators=collaborators)


def _with_row_data(customers: QuerySet[Customer], *, collaborators: bool = True) -> QuerySet[Customer]:
    return customers.select_related("owner", "level", "campaign").prefetch_compiled(
        _PAGE_TAGS, *([_PAGE_SHARES] if collaborators else []))


def customer_detail(*, actor: Any, id: Any) -> Customer:
    """One visible customer for the 360° page and the API detail (tags and collaborators prefetched)."""
    customer = _with_row_data(customers_visible_to(actor)).filter(pk=parse_id(id)).first()
    if customer is None:
        raise NotFound()
    return customer


def customer_owned_detail(*, actor: Any, id: Any) -> Customer:
    """A customer the actor owns, as customer_detail gives it, without the scope's lookups (owning it is in
    every scope): the API's answer to a claim. NotFound when the actor does not own it."""
    customer = _owned_customer.first(actor.pk, parse_id(id))
    if customer is None:
        raise NotFound()
    # what _with_row_data's prefetches leave, by the same compiled prefetches
    _PAGE_TAGS.attach([customer])
    _PAGE_SHARES.attach([customer])
    return customer


def _owned_customer_query(owner_id: int, customer_id: int) -> QuerySet[Customer]:
    return (Customer.objects.select_related("owner", "level", "campaign")
            .filter(owner_id=owner_id, deleted_at__isnull=True, pk=customer_id))


# the API's answer to every claim: prepared once per connection too (core.prepared; planning a three-way join was
# most of its PostgreSQL time)
_owned_customer = CompiledQuery(_owned_customer_query, prepared=True)


def customers_deleted(actor: Any) -> QuerySet[Customer]:
    """Deleted customers the actor could see before they were deleted (the recycle bin)."""
    return (
        Customer.objects.filter(customer_scope_q(actor), deleted_at__isnull=False)
        .select_related("owner", "deleted_by")
        .order_by("-deleted_at", "-id")
    )


def customer_collaborators(*, actor: Any, customer: Customer) -> list[CustomerShare]:
    """The collaborators of a customer the actor already holds (fetched through a scoped selector)."""
    cache = getattr(customer, "_prefetched_objects_cache", {})
    if "shares" in cache:
        return list(customer.shares.all())
    return list(CustomerShare.objects.filter(customer=customer).select_related("user").order_by("id"))


def customer_can_share(actor: Any, customer: Customer) -> bool:
    """The owner and the editors of a customer may add or remove collaborators (with customers.share)."""
    return has_perm(actor, "customers.share") and customer_write_access(actor, customer)


def customer_can_transfer(actor: Any, customer: Customer) -> bool:
    return has_perm(actor, "customers.transfer") and customer_in_role_scope(actor, customer)


def contacts_editable(actor: Any, customer: Customer) -> bool:
    """contacts.edit plus write access to the contacts' customer."""
    return has_perm(actor, "contacts.edit") and customer_write_access(actor, customer)


def customer_can_delete(actor: Any, customer: Customer) -> bool:
    return has_perm(actor, "customers.delete") and customer_write_access(actor, customer)


# --- contacts ---------------------------------------------------------------------------------------


def contacts_visible_to(actor: Any) -> QuerySet[Contact]:
    """Contacts of the customers the actor may see."""
    return Contact.objects.filter(
        customer_scope_q(actor, prefix="customer__"),
        deleted_at__isnull=True,
        customer__deleted_at__isnull=True,
    )


def contact_list(*, actor: Any) -> QuerySet[Contact]:
    """Visible contacts with their customer (and its owner) joined for list rows."""
    return contacts_visible_to(actor).select_related("customer", "customer__owner")


def contact_get(*, actor: Any, id: Any) -> Contact:
    """One visible contact; NotFound when missing, deleted or its customer is out of scope."""
    contact = (
        contacts_visible_to(actor)
        .select_related("customer", "customer__owner")
        .filter(pk=parse_id(id))
        .first()
    )
    if contact is None:
        raise NotFound()
    return contact


def customer_contacts(*, actor: Any, customer: Customer) -> QuerySet[Contact]:
    """The contacts of one customer (primary first), within the actor's scope."""
    return contacts_visible_to(actor).filter(customer_id=customer.pk).select_related("customer")


def contacts_deleted(actor: Any) -> QuerySet[Contact]:
    """Deleted contacts (of customers the actor may see) for the recycle bin."""
    return (
        Contact.objects.filter(customer_scope_q(actor, prefix="customer__"), deleted_at__isnull=False)
        .select_related("customer", "deleted_by")
        .order_by("-deleted_at", "-id")
    )


# --- timeline ---------------------------------------------------------------------------------------


def customer_events(*, actor: Any, customer: Customer) -> QuerySet[Any]:
    """Every event on the customer's timeline, newest first; NotFound when the customer is out of scope."""
    from openfunnel.audit.models import Event

    _check_visible(actor, customer)
    events = Event.objects.filter(customer_id=customer.pk)
    if customer_history_hidden(actor, customer):
        events = events.filter(verb__startswith="pool.")
    return events.select_related("actor").order_by("-at", "-id")


def customer_timeline(*, actor: Any, customer: Customer, page: Any = 1, page_size: int = 20) -> Page:
    """One page of the customer's timeline (newest first); a garbled page number reads as the first page."""
    paginator = Paginator(customer_events(actor=actor, customer=customer), page_size)
    number = page if str(page).isdigit() and int(str(page)) >= 1 else 1
    return paginator.get_page(min(int(number), max(paginator.num_pages, 1)))


@dataclass
class TimelineChange:
    field: str
    label: Any
    before: Any
    after: Any


@dataclass
class TimelineEntry:
    event: Any
    label: Any
    is_follow_up: bool = False
    kind: str = ""
    kind_label: Any = ""
    content: str = ""
    occurred_at: Any = None
    changes: list[TimelineChange] = field(default_factory=list)


def _project_models() -> list[Any]:
    """Every OpenFunnel model: a customer's timeline holds events of leads, opportunities and more."""
    from django.apps import apps

    return [m for m in apps.get_models() if m.__module__.startswith("openfunnel.")]


def _field_labels() -> dict[str, dict[str, Any]]:
    labels: dict[str, dict[str, Any]] = {}
    for model in _project_models():
        labels[model._meta.model_name or ""] = {
            f.name: f.verbose_name for f in model._meta.get_fields() if hasattr(f, "verbose_name")
        }
    return labels


def _choice_labels() -> dict[tuple[str, str], dict[str, Any]]:
    """{(model name, field): {stored value: label}} — "status" means different things on different models."""
    choices: dict[tuple[str, str], dict[str, Any]] = {}
    for model in _project_models():
        for f in model._meta.fields:
            if f.choices:
                choices[(model._meta.model_name or "", f.name)] = {str(k): v for k, v in f.flatchoices}
    return choices


def _follow_up_kinds() -> dict[str, Any]:
    try:
        from openfunnel.activities.models import Activity
    except ImportError:  # pragma: no cover - the activities app is always installed
        return {}
    return {str(k): v for k, v in Activity.Kind.choices}


def timeline_entries(events: Any) -> list[TimelineEntry]:
    """Events as a timeline shows them: follow-ups with their content, edits with readable before/after.

    Referenced ids in the diffs (owner, level, campaign) are named with one query per kind for the whole page.
    """
    from django.utils.dateparse import parse_datetime

    from openfunnel.accounts.models import User
    from openfunnel.audit.verbs import verb_label
    from openfunnel.leads.models import Campaign

    events = list(events)
    wanted: dict[str, set[int]] = {"owner": set(), "level": set(), "campaign": set()}
    for event in events:
        for name, pair in (event.changes or {}).items():
            if name in wanted and isinstance(pair, list):
                wanted[name].update(v for v in pair if isinstance(v, int))
    names: dict[str, dict[int, str]] = {
        "owner": {u.pk: u.display_name for u in User.objects.filter(pk__in=wanted["owner"])}
        if wanted["owner"]
        else {},
        "level": dict(CustomerLevel.objects.filter(pk__in=wanted["level"]).values_list("pk", "name"))
        if wanted["level"]
        else {},
        "campaign": dict(Campaign.objects.filter(pk__in=wanted["campaign"]).values_list("pk", "name"))
        if wanted["campaign"]
        else {},
    }
    field_labels = _field_labels()
    choices = _choice_labels()
    kinds = _follow_up_kinds()

    def show(object_type: str, name: str, value: Any) -> Any:
        if value is None or value == "" or value == []:
            return "—"
        if name in names and isinstance(value, int):
            return names[name].get(value, f"#{value}")
        if isinstance(value, bool):
            from django.utils.translation import gettext as _

            return _("yes") if value else _("no")
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        if (object_type, name) in choices:
            return choices[(object_type, name)].get(str(value), value)
        return value

    entries = []
    for event in events:
        data = event.data or {}
        entry = TimelineEntry(event=event, label=verb_label(event.verb))
        if "content" in data and ("activity_id" in data or event.object_type == "activity"):
            entry.is_follow_up = True
            entry.kind = str(data.get("kind", ""))
            entry.kind_label = kinds.get(entry.kind, entry.kind)
            entry.content = str(data.get("content", ""))
            occurred = data.get("occurred_at")
            entry.occurred_at = parse_datetime(occurred) if isinstance(occurred, str) else None
        labels = field_labels.get(event.object_type, {})
        for name, pair in (event.changes or {}).items():
            if not isinstance(pair, list) or len(pair) != 2:
                continue
            entry.changes.append(
                TimelineChange(
                    field=name,
                    label=labels.get(name, name),
                    before=show(event.object_type, name, pair[0]),
                    after=show(event.object_type, name, pair[1]),
                )
            )
        entries.append(entry)
    return entries


def contact_events(*, actor: Any, contact: Contact) -> QuerySet[Any]:
    """The history of one visible contact (its own events), newest first."""
    from openfunnel.audit.models import Event

    if not contacts_visible_to(actor).filter(pk=contact.pk).exists():
        raise NotFound()
    return (
        Event.objects.filter(object_type="contact", object_id=contact.pk)
        .select_related("actor")
        .order_by("-at", "-id")
    )


# --- attachments --------------------------------------------------------------------------------------


def customer_attachments(*, actor: Any, customer: Customer) -> QuerySet[Any]:
    """Files attached to the customer itself or to its (not deleted) follow-ups."""
    from openfunnel.activities.models import Attachment

    _check_visible(actor, customer)
    if customer_history_hidden(actor, customer):
        return Attachment.objects.none()
    return (
        Attachment.objects.filter(
            Q(customer_id=customer.pk)
            | Q(activity__customer_id=customer.pk, activity__deleted_at__isnull=True)
        )
        .select_related("uploaded_by", "activity")
        .order_by("-uploaded_at", "-id")
    )


# --- configuration and users ----------------------------------------------------------------------


def levels_all() -> QuerySet[CustomerLevel]:
    """Customer levels are company-wide reference data: every signed-in user sees them all."""
    return CustomerLevel.objects.all()


def levels_active() -> QuerySet[CustomerLevel]:
    return CustomerLevel.objects.filter(is_active=True)


def level_get(*, actor: Any, id: Any) -> CustomerLevel:
    level = CustomerLevel.objects.filter(pk=parse_id(id)).first()
    if level is None:
        raise NotFound()
    return level


def tags_all() -> QuerySet[Tag]:
    """Tags are company-wide reference data."""
    return Tag.objects.all()


def tag_get(*, actor: Any, id: Any) -> Tag:
    tag = Tag.objects.filter(pk=parse_id(id)).first()
    if tag is None:
        raise NotFound()
    return tag


def dedup_settings_get() -> DedupSettings:
    return DedupSettings.current()


def users_for_transfer(actor: Any) -> QuerySet[Any]:
    """Active users the actor may hand a customer to: those within the actor's data scope."""
    from openfunnel.accounts.models import User

    users = User.objects.filter(is_active=True).order_by("name", "username")
    ids = visible_owner_ids(actor)
    return users if ids is None else users.filter(pk__in=ids)


def users_for_sharing(actor: Any) -> QuerySet[Any]:
    """Active users a customer may be shared with (team selling crosses departments)."""
    from openfunnel.accounts.models import User

    return User.objects.filter(is_active=True).order_by("name", "username")


def user_for_reference(id: Any) -> Any:
    """Any user by id (active or not), e.g. to remove a deactivated collaborator; None when missing."""
    from openfunnel.accounts.models import User

    return User.objects.filter(pk=id).first()


def campaign_for_reference(id: Any) -> Any:
    """A campaign by id (campaigns are company-wide reference data); None when missing."""
    from openfunnel.leads.models import Campaign

    return Campaign.objects.filter(pk=id).first()


def owners_for_filter(actor: Any) -> QuerySet[Any]:
    """Owners offered in the customer list's filter: the users within the actor's scope."""
    from openfunnel.accounts.models import User

    users = User.objects.order_by("name", "username")
    ids = visible_owner_ids(actor)
    return users if ids is None else users.filter(pk__in=ids)


# --- global search ------------------------------------------------------------------------------------


def customers_search(actor: Any, query: str, limit: int) -> list[Any]:
    """Global search over the actor's customers by name, phone, USCC or e-mail."""
    from django.utils.translation import gettext as _

    from openfunnel.customers.dedup import normalize_phone
    from openfunnel.web.search import SearchHit

    condition = Q(name__icontains=query) | Q(uscc__iexact=query.upper()) | Q(email__iexact=query)
    phone = normalize_phone(query)
    if phone:
        condition |= Q(phone_key=phone)
    rows = customers_visible_to(actor)
    candidates = search_index.customer_ids(query, phone, with_contacts=False)   # SQLite: see the filters
    if candidates is not None:
        rows = rows.filter(pk__in=candidates)
    rows = (
        rows.filter(condition).select_related("owner").order_by("name", "id")[:limit]
    )
    return [
        SearchHit(
            kind=_("Customer"),
            title=c.name,
            url=c.get_absolute_url(),
            detail=c.owner.display_name if c.owner else "",
        )
        for c in rows
    ]


def contacts_search(actor: Any, query: str, limit: int) -> list[Any]:
    """Global search over the contacts of the actor's customers by name, phone, e-mail or WeChat."""
    from django.utils.translation import gettext as _

    from openfunnel.customers.dedup import normalize_phone
    from openfunnel.web.search import SearchHit

    condition = Q(name__icontains=query) | Q(email__iexact=query) | Q(wechat__iexact=query)
    phone = normalize_phone(query)
    if phone:
        condition |= Q(phone_key=phone)
    rows = contacts_visible_to(actor)
    candidates = search_index.contact_ids(query, phone, with_customers=False)
    if candidates is not None:
        rows = rows.filter(pk__in=candidates)
    rows = (
        rows.filter(condition).select_related("customer").order_by("name", "id")[:limit]
    )
    return [
        SearchHit(
            kind=_("Contact"),
            title=c.name,
            url=c.get_absolute_url(),
            detail=" · ".join(x for x in (c.title, c.customer.name) if x),
        )
        for c in rows
    ]
