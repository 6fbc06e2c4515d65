"""Event verbs of the product catalogue, as they read in the audit log."""

from django.utils.translation import gettext_lazy as _

from openfunnel.audit.verbs import register_verbs

register_verbs({
    "product.created": _("created the product"),
    "product.updated": _("changed the product"),
})
