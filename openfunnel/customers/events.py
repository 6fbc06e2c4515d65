"""Event verbs of customers, contacts and their configuration, as the audit log and timelines show them."""

from django.utils.translation import gettext_lazy as _

from openfunnel.audit.verbs import register_verbs

register_verbs(
    {
        "customer.created": _("created the customer"),
        "customer.updated": _("changed the customer"),
        "customer.deleted": _("deleted the customer"),
        "customer.restored": _("restored the customer"),
        "customer.owner_changed": _("changed the owner"),
        "customer.became_deal": _("became a deal customer (an opportunity was won)"),
        "customer.shared": _("added a collaborator"),
        "customer.unshared": _("removed a collaborator"),
        "contact.created": _("added the contact"),
        "contact.updated": _("changed the contact"),
        "contact.deleted": _("deleted the contact"),
        "contact.restored": _("restored the contact"),
        "customer_level.created": _("created the customer level"),
        "customer_level.updated": _("changed the customer level"),
        "tag.created": _("created the tag"),
        "tag.updated": _("changed the tag"),
        "tag.deleted": _("deleted the tag"),
        "dedup_settings.updated": _("changed the duplicate check settings"),
    }
)
