"""Files attached to follow-ups, customers and leads (stored through Django's default storage)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from openfunnel.activities import links
from openfunnel.activities.models import Activity, Attachment
from openfunnel.audit.services import event_record
from openfunnel.core.errors import PermissionDenied, ValidationFailed
from openfunnel.core.uploads import check_uploads

MAX_FILE_SIZE = 10 * 1024 * 1024
MAX_FILES = 5


def check_files(files: list[Any], errors: dict[str, list[Any]], field: str = "files") -> None:
    """At most MAX_FILES files of at most 10 MB each, none empty."""
    check_uploads(files, errors, field=field, max_files=MAX_FILES, max_megabytes=MAX_FILE_SIZE // (1024 * 1024))


def _storage_name(name: str) -> str:
    """A short name for the storage path (the FileField holds 100 characters); the full name stays in `name`."""
    root, ext = os.path.splitext(name)
    if len(ext) > 10:
        root, ext = name, ""
    return f"{root[:50] or 'file'}{ext}"


def attachments_store(*, files: Iterable[Any], actor: Any, activity: Activity | None = None, customer: Any = None,
                      lead: Any = None) -> list[Attachment]:
    """Saves already checked files (callers check with check_files and hold the transaction)."""
    stored = []
    if activity is not None:
        customer_id, lead_id = activity.customer_id, activity.lead_id
    else:
        customer_id, lead_id = getattr(customer, "pk", None), getattr(lead, "pk", None)
    for upload in files:
        name = os.path.basename(upload.name)[:255]
        attachment = Attachment(name=name, size=upload.size or 0,
                                content_type=(getattr(upload, "content_type", "") or "")[:100],
                                activity=activity, customer_id=customer_id, lead_id=lead_id, uploaded_by=actor)
        attachment.file.save(_storage_name(name), upload, save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def attachment_can_add(actor: Any, *, customer: Any = None, lead: Any = None) -> bool:
    """Files are attached to a customer or lead by whoever may edit it."""
    if customer is not None:
        return links.customer_editable(actor, customer)
    return lead is not None and links.lead_editable(actor, lead)


@transaction.atomic
def attachment_add(*, actor: Any, file: Any, customer: Any = None, lead: Any = None,
                   activity: Activity | None = None) -> Attachment:
    """Attaches one file to a customer or lead the actor may edit, or to a follow-up the actor wrote
    (or whose customer/lead the actor may edit). Raises NotFound, PermissionDenied, ValidationFailed."""
    errors: dict[str, list[Any]] = {}
    check_files([file] if file is not None else [], errors, field="file")
    if file is None:
        errors["file"] = [_("Choose a file.")]
    if sum(x is not None for x in (customer, lead, activity)) != 1:
        errors["customer"] = [_("Attach the file to exactly one customer, lead or follow-up.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if activity is not None:
        from openfunnel.activities.services.follow_ups import activity_can_delete

        if not activity_can_delete(actor, activity):
            raise PermissionDenied()
        verb_customer, verb_lead = activity.customer_id, activity.lead_id
    elif customer is not None:
        customer = links.fetch_customer(actor=actor, customer=customer)
        if not attachment_can_add(actor, customer=customer):
            raise PermissionDenied()
        verb_customer, verb_lead = customer.pk, None
    else:
        lead = links.fetch_lead(actor=actor, lead=lead)
        if not attachment_can_add(actor, lead=lead):
            raise PermissionDenied()
        verb_customer, verb_lead = None, lead.pk
    [attachment] = attachments_store(files=[file], actor=actor, activity=activity, customer=customer, lead=lead)
    event_record(actor=actor, verb="attachment.added", obj=attachment, customer_id=verb_customer, lead_id=verb_lead,
                 data={"name": attachment.name, "size": attachment.size, "attachment_id": attachment.pk,
                       "activity_id": activity.pk if activity is not None else None})
    return attachment


@transaction.atomic
def attachment_delete(*, actor: Any, attachment: Attachment) -> None:
    """Removes a file: its uploader, or whoever may edit its follow-up, customer or lead. Raises PermissionDenied."""
    allowed = attachment.uploaded_by_id == actor.pk
    if not allowed and attachment.activity is not None:
        from openfunnel.activities.services.follow_ups import activity_can_delete

        allowed = activity_can_delete(actor, attachment.activity)
    elif not allowed and attachment.customer is not None:
        allowed = links.customer_editable(actor, attachment.customer)
    elif not allowed and attachment.lead is not None:
        allowed = links.lead_editable(actor, attachment.lead)
    if not allowed:
        raise PermissionDenied()
    event_record(actor=actor, verb="attachment.deleted", obj=attachment, customer_id=attachment.customer_id,
                 lead_id=attachment.lead_id, data={"name": attachment.name, "attachment_id": attachment.pk})
    file_name, storage = attachment.file.name, attachment.file.storage
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(file_name))
