"""Permissions and data scopes, declared once. Roles hold a subset of PERMISSIONS and one scope."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

SCOPE_SELF = "self"
SCOPE_DEPARTMENT = "department"
SCOPE_DEPARTMENT_TREE = "department_tree"
SCOPE_ALL = "all"
DATA_SCOPES = [
    (SCOPE_SELF, _("Own records")),
    (SCOPE_DEPARTMENT, _("Own department")),
    (SCOPE_DEPARTMENT_TREE, _("Department and sub-departments")),
    (SCOPE_ALL, _("All records")),
]

PERMISSIONS: dict[str, object] = {
    "org.manage": _("Manage departments, users and roles"),
    "config.manage": _("Manage settings: levels, tags, duplicate rules, campaigns"),
    "audit.view": _("View the audit log"),
    "recycle.manage": _("Restore deleted records"),
    "leads.create": _("Create leads"),
    "leads.edit": _("Edit leads"),
    "leads.delete": _("Delete leads"),
    "leads.assign": _("Assign and transfer leads"),
    "leads.convert": _("Convert leads"),
    "customers.create": _("Create customers"),
    "customers.edit": _("Edit customers"),
    "customers.delete": _("Delete customers"),
    "customers.transfer": _("Transfer customers"),
    "customers.share": _("Share customers with collaborators"),
    "contacts.edit": _("Create and edit contacts"),
    "opportunities.create": _("Create opportunities"),
    "opportunities.edit": _("Edit and move opportunities"),
    "opportunities.delete": _("Delete opportunities"),
    "opportunities.transfer": _("Transfer opportunities"),
    "opportunities.share": _("Share opportunities with collaborators"),
    "activities.create": _("Log follow-ups"),
    "tasks.manage": _("Create and assign tasks"),
    "campaigns.manage": _("Manage campaigns"),
    "data.export": _("Export lists"),
}

_SALES = ["leads.create", "leads.edit", "leads.convert", "customers.create", "customers.edit",
          "customers.share", "contacts.edit", "opportunities.create", "opportunities.edit", "opportunities.share",
          "activities.create", "tasks.manage"]
_MANAGING = _SALES + ["leads.delete", "leads.assign", "customers.delete", "customers.transfer",
                      "opportunities.delete", "opportunities.transfer",
                      "campaigns.manage", "data.export"]

# Role names carry a context: "Finance" the role is 财务, while "Finance" the industry is 金融.
BUILTIN_ROLES: dict[str, dict[str, object]] = {
    "admin": {"name": pgettext_lazy("role", "Administrator"), "data_scope": SCOPE_ALL,
              "permissions": list(PERMISSIONS)},
    "director": {"name": pgettext_lazy("role", "Sales director"), "data_scope": SCOPE_ALL,
                 "permissions": _MANAGING + ["audit.view"]},
    "manager": {"name": pgettext_lazy("role", "Sales manager"), "data_scope": SCOPE_DEPARTMENT_TREE,
                "permissions": _MANAGING},
    "rep": {"name": pgettext_lazy("role", "Sales rep"), "data_scope": SCOPE_SELF, "permissions": _SALES},
    "finance": {"name": pgettext_lazy("role", "Finance"), "data_scope": SCOPE_ALL, "permissions": ["data.export"]},
}
