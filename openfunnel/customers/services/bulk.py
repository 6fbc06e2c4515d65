"""Creating many customers with their contacts at once (imports, the demo company): the same
validation, duplicate check, rows and events as customer_create / contact_create, set-based."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from openfunnel.accounts.scope import require_perm
from openfunnel.audit.services import event_bulk_record, event_fields
from openfunnel.core.errors import ValidationFailed
from openfunnel.core.records import snapshot
from openfunnel.customers.dedup import clean_phone, duplicate_check_many, normalize_email
from openfunnel.customers.models import Contact, Customer
from openfunnel.customers.services._common import clean_email
from openfunnel.customers.services.contacts import CONTACT_FIELDS, _validate
from openfunnel.customers.services.customers import customer_build, customer_created_event_data

MAX_ROWS = 10_000


@transaction.atomic
def customer_bulk_create(*, actor: Any, rows: list[dict[str, Any]]) -> list[Customer]:
    """Creates every customer of `rows` or none. A row holds customer_create's arguments plus
    optional "tags" and "contacts" (a list of contact_create's arguments; the first is primary).

    Needs customers.create (customers.transfer for rows owned by someone else) and contacts.edit for
    contacts. Raises PermissionDenied, ValidationFailed or Conflict(duplicate) with extra "row".
    """
    if len(rows) > MAX_ROWS:
        raise ValidationFailed(fields={"__all__": [_("At most %(n)d rows at once.") % {"n": MAX_ROWS}]})
    built, keys, tag_sets, contact_sets = [], [], [], []
    for index, row in enumerate(rows, start=1):
        data = dict(row)
        tags = data.pop("tags", ())
        contacts = data.pop("contacts", ())
        try:
            customer, row_keys = customer_build(actor=actor, **data)
            if contacts:
                require_perm(actor, "contacts.edit")
            contact_sets.append([_contact_from(values) for values in contacts])
        except ValidationFailed as error:
            error.extra["row"] = index
            raise
        built.append(customer)
        keys.append(row_keys)
        tag_sets.append(list(tags))
    duplicate_check_many(actor=actor, keys=keys)
    customers = Customer.objects.bulk_create(built, batch_size=500)
    Customer.tags.through.objects.bulk_create(
        [Customer.tags.through(customer_id=c.pk, tag_id=t.pk) for c, tags in zip(customers, tag_sets, strict=True)
         for t in tags], batch_size=1000)
    contacts = []
    for customer, members in zip(customers, contact_sets, strict=True):
        for position, contact in enumerate(members):
            contact.customer = customer
            contact.is_primary = position == 0
            contacts.append(contact)
    Contact.objects.bulk_create(contacts, batch_size=1000)
    events = [event_fields(actor=actor, verb="customer.created", obj=c, customer_id=c.pk,
                           data=customer_created_event_data(c, tags)) for c, tags in zip(customers, tag_sets, strict=True)]
    events += [event_fields(actor=actor, verb="contact.created", obj=contact, customer_id=contact.customer_id,
                            data=snapshot(contact, CONTACT_FIELDS)) for contact in contacts]
    event_bulk_record(events)
    return customers


def _contact_from(values: dict[str, Any]) -> Contact:
    name = (values.get("name") or "").strip()
    if not name:
        raise ValidationFailed(fields={"contacts": [_("Every contact needs a name.")]})
    _validate({key: values.get(key) for key in ("name", "title", "phone", "email", "wechat", "decision_role",
                                                 "birthday")})
    phone, phone_key = clean_phone(values.get("phone", ""))
    email = clean_email(values.get("email", ""))
    return Contact(name=name, title=(values.get("title") or "").strip(), phone=phone, phone_key=phone_key,
                   email=email, email_key=normalize_email(email), wechat=(values.get("wechat") or "").strip(),
                   birthday=values.get("birthday"), decision_role=values.get("decision_role") or "",
                   notes=values.get("notes") or "")
