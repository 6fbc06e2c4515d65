"""The route table of the permission matrix: every URL pattern of the project, mapped to what it addresses.

`OBJECT_ROUTES` — routes that address one record (a pk-like kwarg): which world object(s) to put in the
URL. `COLLECTION_ROUTES` — routes without an object: which records' markers they may show. `EXCLUDED` —
routes deliberately left out, each with its reason. A route in none of the three fails the matrix, so
every new route gets an entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

# --- kinds of world objects and who sees them ---------------------------------------------------------

OWNED = {"lead", "customer", "contact", "activity", "lead_activity", "attachment", "lead_attachment", "task",
         "opportunity", "opportunity_attachment", "pool_event"}
POOLS = {"pool"}
POOL_CUSTOMERS = {"pool_customer"}
PERSONAL = {"reminder", "notification", "token"}
CONFIG = {"department", "role", "user", "handover", "campaign", "level", "tag", "product", "pipeline", "stage",
          "lost_reason"}
AUDIT = {"event"}
RECYCLED = {"deleted_lead"}

MISSING_ID = 987_654_321


def _pk(obj: Any, world: Any) -> dict[str, Any]:
    return {"pk": obj.pk}


@dataclass(frozen=True)
class ObjectRoute:
    kinds: tuple[str, ...]
    # A pure read: a persona that sees the object must get 200 on GET (not 403).
    read: bool = False
    # URL kwargs for the object (default {"pk": obj.pk}); `world` gives other ids (a user to unshare).
    args: Callable[[Any, Any], dict[str, Any]] = _pk
    # Query parameters a GET needs to show the page at all, e.g. {"stage": ...} (obj, world) -> dict.
    query: Callable[[Any, Any], dict[str, Any]] | None = None
    # An htmx fragment: requests carry HX-Request (without it the route redirects to the full page).
    htmx: bool = False


def O(*kinds: str, read: bool = False, args: Callable[[Any, Any], dict[str, Any]] = _pk,  # noqa: E743
      query: Callable[[Any, Any], dict[str, Any]] | None = None, htmx: bool = False) -> ObjectRoute:
    return ObjectRoute(kinds=kinds, read=read, args=args, query=query, htmx=htmx)


def _next_stage(o: Any, w: Any) -> dict[str, Any]:
    """The opportunity's pipeline's second stage (the move form for it)."""
    stages = list(o.pipeline.stages.order_by("order", "id"))
    return {"stage": stages[1].pk if len(stages) > 1 else stages[0].pk}


def _stage_api(o: Any, w: Any) -> dict[str, Any]:
    return {"pipeline_pk": o.pipeline_id, "pk": o.pk}


def _stage_web(o: Any, w: Any) -> dict[str, Any]:
    return {"pk": o.pipeline_id, "stage_pk": o.pk}


def _opp_file_api(o: Any, w: Any) -> dict[str, Any]:
    return {"opportunity_pk": o.opportunity_id, "pk": o.pk}


def _opp_file_web(o: Any, w: Any) -> dict[str, Any]:
    return {"pk": o.opportunity_id, "attachment_pk": o.pk}


def _opp_files(o: Any, w: Any) -> dict[str, Any]:
    return {"opportunity_pk": o.pk}


def _opp_unshare(o: Any, w: Any) -> dict[str, Any]:
    return {"pk": o.pk, "user_id": w.p.bob.pk if w is not None else MISSING_ID}


def _restore(o: Any, w: Any) -> dict[str, Any]:
    return {"kind": "lead", "pk": o.pk}


def missing_args(route: ObjectRoute) -> dict[str, Any]:
    """The same URL for an object that does not exist (every id replaced by one nobody has)."""
    ghost = SimpleNamespace(pk=MISSING_ID, pipeline_id=MISSING_ID, opportunity_id=MISSING_ID)
    return route.args(ghost, None)


OBJECT_ROUTES: dict[str, ObjectRoute] = {
    # --- organization (company-wide reference data) ---
    "api:department-detail": O("department", read=True),
    "api:role-detail": O("role", read=True),
    "api:user-detail": O("user", read=True),
    "api:user-deactivate": O("user"),
    "api:user-reactivate": O("user"),
    "api:user-handover": O("user"),
    "api:apitoken-detail": O("token"),
    "accounts:token_revoke": O("token"),
    "accounts:user_edit": O("user"),
    "accounts:user_deactivate": O("user"),
    "accounts:user_reactivate": O("user"),
    "accounts:user_handover": O("user"),
    "accounts:handover_detail": O("handover"),
    "accounts:department_edit": O("department"),
    "accounts:department_delete": O("department"),
    "accounts:role_edit": O("role"),
    "accounts:role_delete": O("role"),
    # --- audit log, recycle bin, notifications ---
    "api:audit-event-detail": O("event", read=True),
    "api:recycle-restore": O("deleted_lead", args=_restore),
    "audit:restore": O("deleted_lead", args=_restore),
    "api:notification-detail": O("notification", read=True),
    "api:notification-read": O("notification"),
    "automation:notification_open": O("notification"),
    # --- leads and campaigns ---
    "api:campaign-detail": O("campaign", read=True),
    "leads:campaign_detail": O("campaign", read=True),
    "leads:campaign_edit": O("campaign"),
    "api:lead-detail": O("lead", read=True),
    "api:lead-timeline": O("lead", read=True),
    "api:lead-assign": O("lead"),
    "api:lead-convert": O("lead"),
    "api:lead-status": O("lead"),
    "api:lead-transfer": O("lead"),
    "leads:detail": O("lead", read=True),
    "leads:edit": O("lead"),
    "leads:delete": O("lead"),
    "leads:status": O("lead"),
    "leads:assign": O("lead"),
    "leads:transfer": O("lead"),
    "leads:convert": O("lead"),
    # --- customers and contacts ---
    "api:customer-detail": O("customer", "pool_customer", read=True),
    "api:customer-contacts": O("customer", read=True),
    "api:customer-timeline": O("customer", read=True),
    "api:customer-share": O("customer"),
    "api:customer-unshare": O("customer"),
    "api:customer-transfer": O("customer"),
    "customers:detail": O("customer", "pool_customer", read=True),
    "customers:timeline": O("customer", read=True, htmx=True),
    "customers:panel": O("customer", "pool_customer", read=True, htmx=True,
                         args=lambda o, w: {"pk": o.pk, "name": "activities"}),
    "customers:edit": O("customer"),
    "customers:delete": O("customer"),
    "customers:transfer": O("customer"),
    "customers:share": O("customer"),
    "customers:unshare": O("customer"),
    "customers:contact_create": O("customer"),
    "api:contact-detail": O("contact", read=True),
    "api:contact-set-primary": O("contact"),
    "customers:contact_detail": O("contact", read=True),
    "customers:contact_edit": O("contact"),
    "customers:contact_delete": O("contact"),
    "customers:contact_set_primary": O("contact"),
    "api:customer-level-detail": O("level", read=True),
    "api:tag-detail": O("tag", read=True),
    "customers:level_edit": O("level"),
    "customers:tag_edit": O("tag"),
    "customers:tag_delete": O("tag"),
    # --- public pools ---
    "api:pool-detail": O("pool", read=True),
    "api:pool-assign": O("pool"),
    "api:pool-claim": O("pool"),
    "api:pool-customers": O("pool", read=True),
    "api:pool-leads": O("pool", read=True),
    "pool:detail": O("pool", read=True),
    "pool:edit": O("pool"),
    "pool:claim": O("pool"),
    "pool:assign": O("pool"),
    "api:pool-event-detail": O("pool_event", read=True),
    "api:customer-release": O("customer"),
    "pool:release": O("customer"),
    "api:lead-release": O("lead"),
    "pool:lead_release": O("lead"),
    # --- follow-ups, attachments, tasks, reminders ---
    "api:activity-detail": O("activity", "lead_activity", read=True),
    "activities:edit": O("activity", "lead_activity"),
    "activities:delete": O("activity", "lead_activity"),
    "api:attachment-detail": O("attachment", "lead_attachment", read=True),
    "activities:attachment_download": O("attachment", "lead_attachment", read=True),
    "api:task-detail": O("task", read=True),
    "api:task-cancel": O("task"),
    "api:task-complete": O("task"),
    "api:task-reopen": O("task"),
    "activities:task_edit": O("task"),
    "activities:task_complete": O("task"),
    "activities:task_reopen": O("task"),
    "activities:task_cancel": O("task"),
    "api:reminder-detail": O("reminder", read=True),
    "api:reminder-done": O("reminder"),
    "activities:reminder_done": O("reminder"),
    # --- products, pipelines, opportunities ---
    "api:product-detail": O("product", read=True),
    "catalog:product_edit": O("product"),
    "api:pipeline-detail": O("pipeline", read=True),
    "api:pipeline-reorder": O("pipeline"),
    "api:pipeline-stages": O("pipeline"),
    "api:pipeline-stage-detail": O("stage", read=True, args=_stage_api),
    "api:pipeline-stage-retire": O("stage", args=_stage_api),
    "sales:pipeline_edit": O("pipeline"),
    "sales:stage_add": O("pipeline"),
    "sales:stage_edit": O("stage", args=_stage_web),
    "sales:stage_shift": O("stage", args=_stage_web),
    "sales:stage_retire": O("stage", args=_stage_web),
    "api:lost-reason-detail": O("lost_reason", read=True),
    "sales:lost_reason_edit": O("lost_reason"),
    "api:opportunity-detail": O("opportunity", read=True),
    "api:opportunity-history": O("opportunity", read=True),
    "api:opportunity-lose": O("opportunity"),
    "api:opportunity-move": O("opportunity"),
    "api:opportunity-reopen": O("opportunity"),
    "api:opportunity-shares": O("opportunity"),
    "api:opportunity-unshare": O("opportunity", args=_opp_unshare),
    "api:opportunity-win": O("opportunity"),
    "api:opportunity-attachment-list": O("opportunity", read=True, args=_opp_files),
    "api:opportunity-attachment-detail": O("opportunity_attachment", args=_opp_file_api),
    "api:opportunity-attachment-download": O("opportunity_attachment", read=True, args=_opp_file_api),
    "sales:detail": O("opportunity", read=True),
    "sales:edit": O("opportunity"),
    "sales:move": O("opportunity", query=_next_stage),
    "sales:win": O("opportunity"),
    "sales:lose": O("opportunity"),
    "sales:reopen": O("opportunity"),
    "sales:delete": O("opportunity"),
    "sales:lines": O("opportunity"),
    "sales:contacts": O("opportunity"),
    "sales:shares": O("opportunity"),
    "sales:checklist": O("opportunity"),
    "sales:attachment_upload": O("opportunity"),
    "sales:attachment_download": O("opportunity_attachment", read=True, args=_opp_file_web),
    "sales:attachment_delete": O("opportunity_attachment", args=_opp_file_web),
}


@dataclass(frozen=True)
class CollectionRoute:
    # Kinds whose records this route may show (their markers are searched for in the answer).
    shows: tuple[str, ...] = ()
    # The route lists every record of `shows` the persona sees: a visible record must be there too.
    complete: bool = False
    # Query parameters, built from the owner's records (e.g. a search for their markers).
    query: Callable[[Any], dict[str, Any]] = field(default=lambda rec: {})
    # API: the item key that holds the listed record's id (or a list of ids, as a report's rows do).
    id_field: str = "id"


def C(*shows: str, complete: bool = False, query: Callable[[Any], dict[str, Any]] | None = None,
      id_field: str = "id") -> CollectionRoute:
    return CollectionRoute(shows=shows, complete=complete, query=query or (lambda rec: {}), id_field=id_field)


def _search(rec: Any) -> dict[str, Any]:
    # The common prefix of all the owner's markers; the page echoes only the query, never a full name.
    return {"q": rec.names["customer"].split("cust")[0]}


def _month(rec: Any) -> dict[str, Any]:
    from django.utils import timezone

    return {"month": timezone.localdate().strftime("%Y-%m")}


API_PAGE = {"page_size": 200}

COLLECTION_ROUTES: dict[str, CollectionRoute] = {
    # --- organization ---
    "api:department-list": C(),
    "api:role-list": C(),
    "api:user-list": C(),
    "api:apitoken-list": C("token", complete=True),
    "accounts:profile": C("token", complete=True),
    "accounts:token_create": C(),
    "accounts:password_change": C(),
    "accounts:users": C(),
    "accounts:user_create": C(),
    "accounts:departments": C(),
    "accounts:department_create": C(),
    "accounts:roles": C(),
    "accounts:role_matrix_save": C(),
    "accounts:role_create": C(),
    # --- audit log, recycle bin, notifications ---
    "api:audit-event-list": C("event"),
    "audit:log": C(),
    "api:recycle-bin": C("deleted_lead", complete=True),
    "audit:recycle_bin": C("deleted_lead", complete=True),
    "api:notification-list": C("notification", complete=True),
    "api:notification-read-all": C(),
    "api:notification-unread-count": C(),
    "automation:notifications": C("notification", complete=True),
    "automation:notifications_read": C(),
    # --- layout ---
    "web:home": C("lead", "customer", "contact", "activity", "lead_activity", "task", "opportunity",
                  "notification"),
    "web:search": C("lead", "customer", "contact", "opportunity", complete=True, query=_search),
    "web:list_columns": C(),
    "web:user_picker": C(),
    # --- leads and campaigns ---
    "api:campaign-list": C(),
    "leads:campaigns": C(),
    "leads:campaign_create": C(),
    "api:lead-list": C("lead", complete=True),
    "api:lead-batch-assign": C(),
    "leads:list": C("lead", complete=True),
    "leads:create": C(),
    # --- customers and contacts ---
    "api:customer-list": C("customer", "pool_customer", complete=True),
    "customers:list": C("customer", "pool_customer", complete=True),
    "customers:create": C(),
    "api:contact-list": C("contact", complete=True),
    "customers:contacts": C("contact", complete=True),
    "api:dedup-settings": C(),
    "customers:dedup_settings": C(),
    "api:customer-level-list": C(),
    "api:tag-list": C(),
    "customers:settings": C(),
    "customers:level_create": C(),
    "customers:tag_create": C(),
    # --- public pools ---
    "api:pool-list": C("pool", complete=True),
    "pool:list": C("pool", complete=True),
    "pool:create": C(),
    "api:pool-event-list": C("pool_event", complete=True),
    "pool:events": C("pool_event", complete=True),
    "pool:statistics": C(),
    "api:pool-statistics": C(),
    "pool:dry_run": C(),
    # --- follow-ups, attachments, tasks, reminders ---
    "api:activity-list": C("activity", "lead_activity", complete=True),
    "activities:list": C("activity", "lead_activity", complete=True),
    "activities:create": C(),
    "api:attachment-list": C("attachment", "lead_attachment", complete=True),
    "activities:attachment_upload": C(),
    "api:task-list": C("task", complete=True),
    # Without parameters the page shows the actor's own open tasks; with a filter, every visible task.
    "activities:tasks": C("task", complete=True, query=lambda rec: {"status": "open"}),
    "activities:task_create": C(),
    "activities:my_day": C("task", "activity", "lead_activity", "reminder", "notification"),
    "activities:my_day_group": C("task", query=lambda rec: {"group": "tasks_today"}),
    "activities:calendar": C("task", "activity", "lead_activity", "reminder", query=_month),
    "api:reminder-list": C("reminder", complete=True),
    # --- products, pipelines, opportunities ---
    "api:product-list": C(),
    "catalog:products": C(),
    "catalog:product_create": C(),
    "api:pipeline-list": C(),
    "sales:pipelines": C(),
    "sales:pipeline_create": C(),
    "api:lost-reason-list": C(),
    "sales:lost_reasons": C(),
    "api:opportunity-list": C("opportunity", complete=True),
    "api:opportunity-overdue-report": C("opportunity", complete=True, id_field="opportunities"),
    "sales:board": C("opportunity", complete=True),
    "sales:board_cards": C("opportunity", complete=True,
                           query=lambda rec: {"stage": rec["opportunity"].stage_id, "offset": 0}),
    "sales:list": C("opportunity", complete=True),
    "sales:overdue_report": C("opportunity", complete=True),
    "sales:create": C(),
}

# Routes the matrix does not walk, and why. Keep this list short: a route here is unchecked.
EXCLUDED: dict[str, str] = {
    "set_language": "switches the interface language; addresses no record",
    "api:schema": "the static OpenAPI description; addresses no record",
    "api:docs": "the Swagger UI page for the schema; addresses no record",
    "api:auth_token": "exchanges a username and password for a token; no record, throttled sign-in "
                      "(covered by accounts/tests/test_api_auth.py)",
    "accounts:login": "the sign-in form; no record, throttled (covered by accounts/tests/test_views_auth.py)",
    "accounts:logout": "ends the session the matrix runs in; addresses no record",
}


# --- walking the URLconf --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pattern:
    name: str                      # "namespace:name"
    regex: str                     # the full pattern, for messages
    api: bool
    methods: tuple[str, ...]       # HTTP methods the route serves (API: from the viewset's actions)
    kwargs: tuple[str, ...]        # the URL kwargs


def _methods(callback: Any, api: bool) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)
    if actions:
        return tuple(sorted(actions))
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is not None:
        found = tuple(m for m in ("get", "post", "patch", "put", "delete") if hasattr(view_class, m))
        if found:
            return found
    # A function view: try both; one it does not serve must answer 405 (or 404 when out of scope).
    return ("get", "post")


def _walk(patterns: list[Any], prefix: str = "", namespaces: tuple[str, ...] = ()) -> Iterator[Pattern]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            extra = (entry.namespace,) if entry.namespace else ()
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), namespaces + extra)
        elif isinstance(entry, URLPattern):
            name = ":".join(namespaces + (entry.name or f"<unnamed {entry.pattern}>",))
            regex = prefix + str(entry.pattern)
            api = regex.startswith("api/")
            yield Pattern(name=name, regex=regex, api=api, methods=_methods(entry.callback, api),
                          kwargs=tuple(sorted(entry.pattern.regex.groupindex)))


def all_patterns() -> list[Pattern]:
    """Every URL pattern of the project (DRF's format-suffix variants folded into their route)."""
    seen: dict[str, Pattern] = {}
    for pattern in _walk(get_resolver().url_patterns):
        if "format" in pattern.kwargs:
            continue
        seen.setdefault(pattern.name, pattern)
    return list(seen.values())
