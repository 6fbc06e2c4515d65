"""Writes of customers, contacts and their configuration (one function per use case).

Split by area; everything is importable from `openfunnel.customers.services` as before.
"""

from openfunnel.customers.services.bulk import customer_bulk_create
from openfunnel.customers.services.config import (
    DEDUP_FIELDS,
    LEVEL_FIELDS,
    TAG_FIELDS,
    dedup_settings_update,
    level_create,
    level_deactivate,
    level_update,
    tag_create,
    tag_delete,
    tag_update,
)
from openfunnel.customers.services.contacts import (
    CONTACT_FIELDS,
    CONTACT_UPDATE_FIELDS,
    contact_create,
    contact_delete,
    contact_restore,
    contact_set_primary,
    contact_update,
)
from openfunnel.customers.services.customers import (
    CUSTOMER_FIELDS,
    CUSTOMER_UPDATE_FIELDS,
    customer_create,
    customer_delete,
    customer_mark_deal,
    customer_restore,
    customer_share,
    customer_touch_follow_up,
    customer_transfer,
    customer_unshare,
    customer_update,
)

__all__ = [
    "customer_bulk_create",
    "CONTACT_FIELDS",
    "CONTACT_UPDATE_FIELDS",
    "CUSTOMER_FIELDS",
    "CUSTOMER_UPDATE_FIELDS",
    "DEDUP_FIELDS",
    "LEVEL_FIELDS",
    "TAG_FIELDS",
    "contact_create",
    "contact_delete",
    "contact_restore",
    "contact_set_primary",
    "contact_update",
    "customer_create",
    "customer_delete",
    "customer_restore",
    "customer_share",
    "customer_mark_deal",
    "customer_touch_follow_up",
    "customer_transfer",
    "customer_unshare",
    "customer_update",
    "dedup_settings_update",
    "level_create",
    "level_deactivate",
    "level_update",
    "tag_create",
    "tag_delete",
    "tag_update",
]
