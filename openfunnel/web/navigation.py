"""The main navigation, one list for the whole application; entries the actor may not use are hidden."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _

from openfunnel.accounts.scope import has_perm


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Any
    permission: str | None = None


@dataclass(frozen=True)
class NavSection:
    label: Any
    items: tuple[NavItem, ...]


NAVIGATION: tuple[NavSection, ...] = (
    NavSection(_("Work"), (
        NavItem("activities:my_day", _("My day")),
        NavItem("activities:list", _("Follow-ups")),
        NavItem("activities:tasks", _("Tasks")),
        NavItem("activities:calendar", _("Calendar")),
        NavItem("automation:notifications", _("Notifications")),
    )),
    NavSection(_("Sales"), (
        NavItem("leads:list", _("Leads")),
        NavItem("customers:list", _("Customers")),
        NavItem("pool:list", _("Public pool")),
        NavItem("customers:contacts", _("Contacts")),
        NavItem("sales:board", _("Opportunities")),
        NavItem("catalog:products", _("Products")),
        NavItem("leads:campaigns", _("Campaigns")),
    )),
    NavSection(_("Administration"), (
        NavItem("accounts:users", _("Users"), "org.manage"),
        NavItem("accounts:departments", _("Departments"), "org.manage"),
        NavItem("accounts:roles", _("Roles"), "org.manage"),
        NavItem("customers:settings", _("Customer settings"), "config.manage"),
        NavItem("sales:pipelines", _("Pipelines"), "config.manage"),
        NavItem("audit:log", _("Audit log"), "audit.view"),
        NavItem("audit:recycle_bin", _("Recycle bin"), "recycle.manage"),
    )),
)


_reversed: dict[str, tuple[Any, dict[str, str | None]]] = {}


def _urls() -> dict[str, str | None]:
    """Every item's URL (None: not installed), reversed once per URL configuration and script prefix — a test
    that swaps ROOT_URLCONF gets a new resolver, hence new URLs."""
    resolver = get_resolver(get_urlconf())
    prefix = get_script_prefix()
    kept = _reversed.get(prefix)
    if kept is not None and kept[0] is resolver:
        return kept[1]
    urls: dict[str, str | None] = {}
    for section in NAVIGATION:
        for item in section.items:
            try:
                urls[item.url_name] = reverse(item.url_name)
            except NoReverseMatch:
                urls[item.url_name] = None
    _reversed[prefix] = (resolver, urls)
    return urls


def navigation_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    """The sections and items `user` may use; the item whose URL is the longest prefix of the page is active."""
    urls = _urls()
    sections = []
    for section in NAVIGATION:
        items = []
        for item in section.items:
            if item.permission and not has_perm(user, item.permission):
                continue
            url = urls[item.url_name]
            if url is None:
                continue
            items.append({"url": url, "label": item.label, "active": False})
        if items:
            sections.append({"label": section.label, "items": items})
    matches = [item for section in sections for item in section["items"]
               if current_path == item["url"] or (item["url"] != "/" and current_path.startswith(item["url"]))]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["active"] = True
    return sections
